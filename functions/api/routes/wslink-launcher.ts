import { Hono } from 'hono';
import { ValidationError } from '../../../shared/domain/errors';
import { bodyText, check, parseJson } from '../validate';
import { IdempotencyKeySchema, LaunchBodySchema } from '../schemas';
import { isFinal, isStarting, type Session, type SessionStatus } from '../../../shared/domain/session';
import { awaitReady } from '../../../shared/services/await-ready';
import { launchSession } from '../../../shared/services/launch';
import { logSlowStart } from '../../../shared/services/session-events';
import { authorizedSession, stopAs } from '../../../shared/services/access';
import type { Principal } from '../../../shared/domain/principal';
import { requestHash } from '../canonical-json';
import { renderArgv } from '../../../shared/domain/command';
import type { ApiDeps, ApiEnv, GroupMount } from '../context';
import { ownerView } from './session-access';
import { visitorGate } from './launcher-visitors';

/** Keys the trame/wslink client sends that are not app params. */
const CLIENT_KEYS = new Set([
  'application',
  'useUrl',
  'launcherRetry',
  'sessionManagerURL',
  'sessionURL',
  'secret',
  'headers',
  'retry',
  'iframe',
  'wsProxy',
  'sessionId',
]);
/**
 * Sessionplane's own launch keys a launcher body may carry, checked as POST /sessions checks them (#33: they were
 * ignored).
 */
const SIZE_KEYS = LaunchBodySchema.pick({ profile: true, resources: true });
/** With the app's `launcherReuse`, a POST of the same request within this long gets the same live session. */
const REUSE_WINDOW_SECONDS = 120;

const INCOMPLETE = 'The request is not complete';

/**
 * How the launcher answers POST for each status once it stops waiting: the reply (200; a session
 * still starting gets its sessionURL too, and the router holds the socket until READY), or wslink's
 * error shape with 503, which SmartConnect reports and may retry.
 */
const LAUNCH_OUTCOME: Record<SessionStatus, 'reply' | 'failed' | 'ended'> = {
  QUEUED: 'reply',
  PENDING: 'reply',
  STARTING: 'reply',
  READY: 'reply',
  STOPPING: 'ended',
  STOPPED: 'ended',
  FAILED: 'failed',
  COMPLETED: 'ended',
};

/**
 * What a wslink launcher file's `fields` add to the reply: the request's keys and the `sessionData` it names, filled in
 * with the session's values (never `host` and `port`: the process is reached through the router only).
 */
function fieldsOf(deps: ApiDeps, session: Session, secret: string | undefined): Record<string, string> {
  const spec = deps.apps.get(session.app)?.launcherReply;
  if (!spec) return {};
  const vars: Record<string, string> = {
    ...session.params,
    id: session.id,
    application: session.app,
    ...(secret ? { secret } : {}),
  };
  const out: Record<string, string> = {};
  for (const key of spec.fields) {
    if (Object.hasOwn(spec.sessionData, key)) out[key] = renderArgv([spec.sessionData[key]!], vars)[0]!;
    else if (Object.hasOwn(session.params, key)) out[key] = session.params[key]!;
  }
  return out;
}

/** The launcher's reply: what SmartConnect merges over its config (`sessionURL`, `secret`). */
function reply(deps: ApiDeps, principal: { user: string; admin: boolean }, session: Session) {
  const view = ownerView(deps, principal, session);
  const secret = 'secret' in view ? view.secret : undefined;
  return {
    ...fieldsOf(deps, session, secret),
    id: session.id,
    sessionURL: view.sessionURL,
    secret,
    application: session.app,
    status: session.status,
    connectURL: view.connectURL,
  };
}

/**
 * A session the caller already has, as it is (one still starting gets its sessionURL: the router holds the socket until
 * READY). Only someone who may use it gets it; one of another app is an error.
 */
async function attached(deps: ApiDeps, principal: Principal, application: string, sessionId: unknown) {
  if (typeof sessionId !== 'string') throw new ValidationError('sessionId is not a session id');
  const { session } = await authorizedSession(deps, principal, 'use', sessionId);
  if (session.app !== deps.apps.get(application)?.name)
    throw new ValidationError(`Session ${session.id} is not a session of ${application}`);
  return session;
}

/**
 * The wslink launcher protocol (POST /paraview/, /launcher/), as the trame image serves it: a JSON
 * body whatever its Content-Type, the reply once the session is READY, or with its sessionURL
 * anyway at the reply deadline (the router holds the socket until READY). GET and DELETE of
 * /paraview/<id> for the owner. Errors are always JSON {"error": "..."} (see app.onError).
 */
// Over 60 lines: the wslink launcher's protocol (POST, GET, DELETE) with its own error shapes.
function wslinkLauncherRoutes(deps: ApiDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  const visitorsMay = visitorGate(deps);

  // Over 60 lines: the launcher's POST in wslink's order (body, app, launch, wait for ready, reply or its timeout).
  app.post('/', async (c) => {
    let body: Record<string, unknown>;
    try {
      body = parseJson(await bodyText(c)) as Record<string, unknown>;
    } catch (error) {
      // wslink's own word for a body it cannot read; a BOM or a reserved key is named.
      throw (error as ValidationError).details.reason === 'not-json' ? new ValidationError(INCOMPLETE) : error;
    }
    if (
      !body ||
      typeof body !== 'object' ||
      Array.isArray(body) ||
      typeof body.application !== 'string' ||
      !body.application
    )
      throw new ValidationError(INCOMPLETE);
    const application = body.application;
    const principal = c.var.principal;
    // A page opened for a session it already has (the portal's Open: `<client page>?sessionId=<id>`, whose query
    // the Visualizer and trame clients put into this POST) gets that session's reply: its secret the launcher's way,
    // never in the address bar (#35).
    if (body.sessionId !== undefined) {
      const session = await attached(deps, principal, application, body.sessionId);
      return LAUNCH_OUTCOME[session.status] === 'reply'
        ? c.json(reply(deps, principal, session), 200)
        : c.json({ error: `Session ${session.id} has ended: open a new one.` }, 503);
    }
    const spec = deps.apps.get(application);
    // Every other key is a template value in wslink; here only the app's declared params pass.
    const params = Object.fromEntries(
      Object.entries(body).filter(([k]) => !CLIENT_KEYS.has(k) && spec && Object.hasOwn(spec.params, k)),
    );
    const size = check(SIZE_KEYS, { profile: body.profile, resources: body.resources }, 'body');
    const hash = requestHash({ application, params, ...size });
    // A new process per POST, as the wslink launcher and the trame image start one (#35), unless the
    // client names its attempt (Idempotency-Key: its retries get that attempt's session, whatever became
    // of it) or the app reuses a live session of the same request (launcherReuse).
    const rawKey = c.req.header('idempotency-key');
    const clientKey = rawKey === undefined ? undefined : check(IdempotencyKeySchema, rawKey, 'header');
    const idempotency =
      clientKey !== undefined
        ? { key: `wslink-key:${clientKey}`, requestHash: hash }
        : spec?.launcherReuse
          ? { key: `wslink:${hash}`, requestHash: hash, ttlSeconds: REUSE_WINDOW_SECONDS }
          : undefined;
    const launch = () =>
      launchSession(deps, {
        owner: principal.user,
        caller: principal,
        app: application,
        params,
        ...(size.profile !== undefined ? { profile: size.profile } : {}),
        ...(size.resources !== undefined ? { resources: size.resources } : {}),
        idempotency,
        // A wslink client waits for its reply, not in a queue: with no room it gets the launcher's 503 at once.
        queue: false,
      });
    // A visitor (no account) may launch only an app open to anyone, within its bounds.
    let result = await visitorsMay(c, principal, spec, launch);
    if (result.replayed && isFinal(result.session.status) && clientKey === undefined) {
      // A retry after that session ended is a new request: forget it and start anew.
      await deps.idempotency.forget({
        owner: principal.user,
        key: `wslink:${hash}`,
        requestHash: hash,
        sessionId: result.session.id,
      });
      result = await launch();
    }
    // The reply waits for READY until the launcher's deadline, or the session's own launch deadline
    // if that comes first. A session still starting past its own deadline will not start: it is a
    // failure now (503), not a sessionURL whose socket would find the session gone.
    const deadline = Math.min(deps.clock.now() + deps.launcherTimeoutMs, result.session.launchDeadline);
    const quiet = logSlowStart(deps, result.session.id, Math.min(5000, Math.max(250, deps.launcherTimeoutMs / 5)));
    const session = await awaitReady(deps, result.session, deadline).finally(quiet);
    const outcome =
      isStarting(session.status) && deps.clock.now() >= session.launchDeadline
        ? 'timed-out'
        : LAUNCH_OUTCOME[session.status];
    switch (outcome) {
      case 'timed-out':
        return c.json({ error: 'Session did not start: launch-timeout. Check session logs.' }, 503);
      case 'failed':
        return c.json(
          { error: `Session did not start: ${session.statusReason ?? 'failed'}. Check session logs.` },
          503,
        );
      case 'ended':
        return c.json({ error: 'The session ended before it was ready.' }, 503);
      case 'reply':
        return c.json(reply(deps, principal, session), 200);
    }
  });

  app.get('/:id', async (c) => {
    const { session } = await authorizedSession(deps, c.var.principal, 'read', c.req.param('id'));
    return c.json(reply(deps, c.var.principal, session));
  });

  app.delete('/:id', async (c) => {
    const stopped = await stopAs(deps, c.var.principal, c.req.param('id'));
    return c.json({ id: stopped.id, application: stopped.app, status: stopped.status });
  });

  return app;
}

/** The `launcher` group: the wslink launcher at both paths trame clients use. */
export const launcherGroup: GroupMount = (app, deps) => {
  app.route('/paraview', wslinkLauncherRoutes(deps));
  app.route('/launcher', wslinkLauncherRoutes(deps));
};
