import { checkParams, checkResources } from '../domain/app';
import { AppNotFoundError, ValidationError } from '../domain/errors';
import { hashToken, newSessionId, newToken } from '../domain/ids';
import type { Resources, Session } from '../domain/session';
import { transition } from '../domain/transitions';
import type { ServiceDeps } from './deps';
import { finishStop } from './stop';
import { applyUntilSettled } from './update';

export interface LaunchInput {
  owner: string;
  app: string;
  name?: string | undefined;
  params?: Record<string, unknown> | undefined;
  resources?: Partial<Resources> | undefined;
}

export interface LaunchResult {
  session: Session;
  /** The router access token; only its hash is stored, so this is the one chance to see it. */
  token: string;
  /** The app's own secret (trame `--authKey`, the wslink hello); never stored. */
  secret: string;
}

/**
 * Launches a session: checks the request, records it PENDING, then starts the runtime with the
 * session id as the idempotency key, then records STARTING. Recording first means a crash between
 * the two leaves a record the reaper finds; a start failure leaves the session FAILED, never lost.
 */
export async function launchSession(deps: ServiceDeps, input: LaunchInput): Promise<LaunchResult> {
  const app = deps.apps.get(input.app);
  if (!app) throw new AppNotFoundError(input.app);
  const params = checkParams(app, input.params ?? {});
  const resources = checkResources(app, input.resources);
  const problems = [...params.problems, ...resources.problems];
  if (problems.length) throw new ValidationError(problems.join('; '), { problems });

  const now = deps.clock.now();
  const token = newToken();
  const secret = newToken();
  const session: Session = {
    id: newSessionId(),
    owner: input.owner,
    app: app.name,
    name: input.name ?? app.name,
    status: 'PENDING',
    resources: resources.resources,
    params: params.values,
    tokenHash: hashToken(token),
    createdAt: now,
    launchDeadline: now + app.launchTimeoutMs,
    expiresAt: now + app.maxLifetimeMs,
    version: 1,
  };
  await deps.store.create(session);
  const log = { sessionId: session.id, owner: session.owner, app: app.name };
  deps.logger.info(log, 'session launch');

  let started;
  try {
    started = await deps.runtime.start({ session, app, secret });
  } catch (error) {
    const reason = (error as { details?: { reason?: string } }).details?.reason ?? 'start-failed';
    await applyUntilSettled(deps.store, session, (s) =>
      s.status === 'PENDING' ? transition(s, 'FAILED', { statusReason: `${reason}: ${(error as Error).message}` }, deps.clock.now())
        : s.status === 'STOPPING' ? transition(s, 'STOPPED', {}, deps.clock.now()) : undefined);
    deps.logger.warn({ ...log, err: (error as Error).message }, 'session start failed');
    throw error;
  }

  const runtime = { kind: deps.runtime.kind, runtimeId: started.runtimeId, ...(started.endpoint ? { endpoint: started.endpoint } : {}) };
  const current = await applyUntilSettled(deps.store, session, (s) =>
    s.status === 'PENDING' ? transition(s, 'STARTING', { runtime }, deps.clock.now()) : undefined);
  if (current && (current.status === 'STOPPING' || current.status === 'STOPPED')) {
    // Stopped while the runtime was starting: what was started must not outlive the record.
    const stopped = await finishStop(deps, { ...current, runtime }, current.statusReason ?? 'user');
    return { session: stopped ?? current, token, secret };
  }
  return { session: current ?? session, token, secret };
}
