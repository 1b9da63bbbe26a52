import type { Hono } from 'hono';
import type { ApiDeps, ApiEnv } from './context';
import { type EventsDeps, serveSessionEvents } from './routes/session-events';
import { standaloneApp } from './standalone-app';

/**
 * GET /sessions/{id}/events on its own, with the API's authentication and problem+json: what the
 * router service serves on AWS, where API Gateway HTTP APIs cannot stream (they buffer a response
 * and cut it at 30 s). The same path, the same credential (the issuer's JWT), the same answers.
 */
export function createEventsApp(deps: EventsDeps & Pick<ApiDeps, 'authenticate' | 'logger'>): Hono<ApiEnv> {
  return standaloneApp(deps).get('/sessions/:id/events', (c) => serveSessionEvents(deps, c));
}
