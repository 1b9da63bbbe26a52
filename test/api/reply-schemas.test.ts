import { sessionCredentials } from '../../shared/services/credentials';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { documentedReplies } from '../../functions/api/openapi';
import { ProblemSchema } from '../../functions/api/views/problem';
import { fixtureApp, jobApp } from '../support/apps';
import { settledStart, startTestPlane, type TestPlane } from '../support/plane';

/**
 * The fields of `value` that `schema` does not declare, as paths: a view that answers with a field
 * its schema lacks (a shape declared twice, drifting) fails here. Walks the schema's JSON Schema.
 */
function undeclared(schema: Record<string, unknown>, value: unknown, at = '$'): string[] {
  if (Array.isArray(value) && schema.items) {
    return value.flatMap((v, i) => undeclared(schema.items as Record<string, unknown>, v, `${at}[${i}]`));
  }
  if (value === null || typeof value !== 'object') return [];
  const properties = schema.properties as Record<string, Record<string, unknown>> | undefined;
  if (properties) {
    return Object.entries(value).flatMap(([key, v]) =>
      properties[key] ? undeclared(properties[key], v, `${at}.${key}`) : [`${at}.${key}`],
    );
  }
  const additional = schema.additionalProperties;
  if (additional && typeof additional === 'object') {
    return Object.entries(value).flatMap(([key, v]) =>
      undeclared(additional as Record<string, unknown>, v, `${at}.${key}`),
    );
  }
  return [];
}

/** #34: every reply schema the OpenAPI document publishes is checked against a real answer of the running server. */
describe('every documented reply, as the server really answers', () => {
  let plane: TestPlane;
  let session: string;
  let other: string;
  let group: string;
  const pooled = (min: number) => ({ min, max: min, ttlMs: 3_600_000, schedule: [] });
  beforeAll(async () => {
    plane = await startTestPlane(
      {
        web: fixtureApp(['--mode', 'serve'], {
          home: '/home/user',
          params: { MODE: { type: 'string', enum: ['fast'], maxLength: 8, required: false } },
          profiles: [{ name: 'small', resources: { cpu: 1, memory: 512, gpus: 0 } }],
          idleTimeoutBounds: { min: 60_000, max: Number.POSITIVE_INFINITY },
        }),
        warm: fixtureApp([], { pool: pooled(0) }),
        batch: jobApp(),
      },
      { SESSIONPLANE_POOL_INTERVAL: '1h', SESSIONPLANE_MAX_SESSIONS_PER_USER: '10' },
    );
    const launch = async () => {
      const res = await plane.request('/sessions', { method: 'POST', body: '{"app":"web","params":{"MODE":"fast"}}' });
      const id = ((await res.json()) as { id: string }).id;
      await settledStart(plane, id);
      return id;
    };
    session = await launch();
    other = await launch();
    const replicas = { app: 'batch', replicas: 2, params: { ITEMS: 1, ITEM_MS: 60_000 } };
    const res = await plane.request('/sessions', { method: 'POST', body: JSON.stringify(replicas) });
    group = ((await res.json()) as { group: string }).group;
  });
  afterAll(async () => plane?.dispose());
  /** The app's own secret (SESSION_SECRET in its environment). */
  const secretOf = (id: string) => sessionCredentials(plane.deps, id).secret;

  /** How to get each documented answer for real: its request, made in order (a share before the list that shows it). */
  const requests: Record<string, () => [string, RequestInit & { user?: string }]> = {
    'POST /sessions/{id}/shares': () => [`/sessions/${session}/shares`, { method: 'POST', body: '{"user":"bob"}' }],
    'POST /sessions': () => ['/sessions', { method: 'POST', body: '{"app":"web","profile":"small"}' }],
    'GET /sessions': () => ['/sessions', {}],
    'GET /sessions/{id}': () => [`/sessions/${session}`, {}],
    'POST /sessions/{id}/renew': () => [`/sessions/${session}/renew`, { method: 'POST' }],
    'GET /sessions/{id}/shares': () => [`/sessions/${session}/shares`, {}],
    'GET /sessions/{id}/events': () => [`/sessions/${session}/events`, {}],
    'DELETE /sessions/{id}': () => [`/sessions/${other}`, { method: 'DELETE' }],
    'PATCH /sessions/{id}': () => [`/sessions/${session}`, { method: 'PATCH', body: '{"idleTimeout":"2h"}' }],
    'DELETE /sessions/groups/{group}': () => [`/sessions/groups/${group}`, { method: 'DELETE' }],
    'POST /sessions/{id}/activity': () => [
      `/sessions/${session}/activity`,
      { method: 'POST', user: null as never, headers: { authorization: `Bearer ${secretOf(session)}` } },
    ],
    'GET /usage': () => ['/usage', {}],
    'GET /homes': () => ['/homes', { user: 'admin' }],
    'PUT /homes/me/files/{path}': () => ['/homes/me/files/notes/a.txt', { method: 'PUT', body: 'a note' }],
    'GET /homes/me/files': () => ['/homes/me/files', {}],
    'GET /homes/me/files/{path}': () => ['/homes/me/files/notes', {}],
    'POST /tokens': () => ['/tokens', { method: 'POST', body: '{"name":"cli"}' }],
    'GET /tokens': () => ['/tokens', {}],
    'GET /pools': () => ['/pools', { user: 'admin' }],
    'POST /pools/{app}/pause': () => ['/pools/warm/pause', { method: 'POST', user: 'admin' }],
    'POST /pools/{app}/resume': () => ['/pools/warm/resume', { method: 'POST', user: 'admin' }],
    'POST /pools/{app}/recycle': () => ['/pools/warm/recycle', { method: 'POST', user: 'admin' }],
    'GET /apps': () => ['/apps', {}],
    'GET /healthz': () => ['/healthz', { user: null as never }],
  };

  it('has a real request for every documented reply', () => {
    expect(
      documentedReplies()
        .map((r) => r.route)
        .sort(),
    ).toEqual(Object.keys(requests).sort());
  });

  const order = Object.keys(requests);
  it.each(documentedReplies().sort((a, b) => order.indexOf(a.route) - order.indexOf(b.route)))(
    '$route answers $status in the shape of its schema, and no field beside',
    async ({ route, status, schema }) => {
      const [path, init] = requests[route]!();
      const res = await plane.request(path, init);
      const body = (await res.json()) as Record<string, unknown>;
      // A stop answers 200 once STOPPED, 202 while STOPPING: the same shape.
      expect(route === 'DELETE /sessions/{id}' ? [200, 202] : [status], JSON.stringify(body)).toContain(res.status);
      const parsed = schema.safeParse(body);
      expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
      const json = z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }) as Record<string, unknown>;
      expect(undeclared(json, body)).toEqual([]);
      // Real answers, not empty ones: each list holds an item whose shape is checked.
      for (const list of [
        'sessions',
        'apps',
        'homes',
        'pools',
        'events',
        'shares',
        'rows',
        'entries',
        'tokens',
      ] as const) {
        if (list in body) expect((body[list] as unknown[]).length, list).toBeGreaterThan(0);
      }
    },
  );

  it('answers errors as problems in the documented shape', async () => {
    const res = await plane.request('/sessions', { method: 'POST', body: '{}' });
    const body = await res.json();
    expect(res.status).toBe(400);
    expect(ProblemSchema.safeParse(body).success).toBe(true);
    const json = z.toJSONSchema(ProblemSchema, { io: 'output' }) as Record<string, unknown>;
    expect(undeclared(json, body)).toEqual([]);
  });
});
