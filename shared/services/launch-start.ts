import { volumeMounts } from '../domain/volumes';
import type { AppSpec } from '../domain/app';
import { CapacityError } from '../domain/errors';
import type { NewSessionEvent } from '../domain/events';
import type { Home } from '../domain/homes';
import { workKindOf } from '../domain/limits';
import { STATUS_REASONS, statusReason, type Session } from '../domain/session';
import { transition } from '../domain/transitions';
import { sessionCredentials } from './credentials';
import type { LaunchDeps } from './deps';
import { recordEvents } from './session-events';
import { finishStop } from './stop';
import { applyUntilSettled } from './update';

/* A launch's start on its runtime, shared by a launch and by the queue's dispatcher when a queued one's turn comes. */

/**
 * The owner's home (made once, kept for good) and the uid the session runs as. An image app without
 * a home runs as its owner's uid too, where sessions get one (#33: it ran as the image's root); a
 * process without a home runs as the server's user.
 */
export async function ownersHome(deps: LaunchDeps, app: AppSpec, input: { owner: string; image?: string | undefined }) {
  const home = app.home ? await deps.homes!.ensure(input.owner) : undefined;
  const runAs = home
    ? { uid: home.uid, gid: home.gid }
    : (input.image ?? app.image)
      ? await deps.homes?.runAs?.(input.owner)
      : undefined;
  return { home, runAs };
}

/**
 * The runtime refused or failed the start. No capacity (ports, shutting down): nothing started, so
 * nothing is kept (#11 m12), not even its events; else the session ends FAILED with why.
 */
export async function startFailed(
  deps: LaunchDeps,
  session: Session,
  error: unknown,
  requested: NewSessionEvent,
  refused: (error: unknown) => Promise<never>,
): Promise<never> {
  const log = { sessionId: session.id, owner: session.owner, app: session.app, err: (error as Error).message };
  if (error instanceof CapacityError) deps.pools?.capacityShort?.();
  if (error instanceof CapacityError && (await deps.store.discard(session))) {
    await deps.quotas.release(session.owner, session.resources, workKindOf(session));
    deps.logger.info(log, 'session launch refused: no capacity');
    return refused(error);
  }
  await recordEvents(deps, session.id, [requested]);
  const reason = (error as { details?: { reason?: string } }).details?.reason ?? STATUS_REASONS.startFailed;
  await applyUntilSettled(deps, session, (s) =>
    s.status === 'PENDING'
      ? transition(s, 'FAILED', { statusReason: statusReason(reason, (error as Error).message) }, deps.clock.now())
      : s.status === 'STOPPING'
        ? transition(s, 'STOPPED', {}, deps.clock.now())
        : undefined,
  );
  deps.logger.warn(log, 'session start failed');
  deps.metrics.sessionFailed(reason, session.app);
  throw error;
}

/**
 * Starts a recorded PENDING session on its runtime (the session id its idempotency key), then records STARTING with
 * what the runtime says of its start; a stop that came meanwhile stops what was started. Throws what the runtime threw.
 */
export async function startRecorded(
  deps: LaunchDeps,
  session: Session,
  app: AppSpec,
  secret: string,
  at: { home: Home | undefined; requested: NewSessionEvent },
): Promise<Session> {
  const mount = at.home && app.home ? { home: at.home, mountPath: app.home } : undefined;
  const activityUrl = deps.activityUrl?.(session.id);
  const volumes = volumeMounts(app, session.volumes);
  const started = await deps.runtime.start({
    session,
    app,
    secret,
    home: mount,
    ...(volumes.length ? { volumes } : {}),
    ...(activityUrl ? { activityUrl } : {}),
  });
  const runtime = {
    kind: started.kind ?? deps.runtime.kind,
    runtimeId: started.runtimeId,
    ...(started.endpoint ? { endpoint: started.endpoint } : {}),
  };
  // Written with what the runtime says of its start, in one append: the log tells, it does not gate.
  const [current] = await Promise.all([
    applyUntilSettled(deps, session, (s) =>
      s.status === 'PENDING' ? transition(s, 'STARTING', { runtime }, deps.clock.now()) : undefined,
    ),
    recordEvents(deps, session.id, [at.requested, ...(started.phases ?? [])]),
  ]);
  if (current && (current.status === 'STOPPING' || current.status === 'STOPPED')) {
    // Stopped while the runtime was starting: what was started must not outlive the record.
    return (await finishStop(deps, { ...current, runtime }, current.statusReason ?? 'user')) ?? current;
  }
  return current ?? session;
}

/**
 * How the queue's dispatcher starts a session whose turn came (claimed PENDING, its quota reserved): as a launch
 * would, from its record. No capacity after all: thrown, so the dispatcher puts it back; any other failure ends it
 * FAILED as a launch's would.
 */
export function queuedStarter(deps: LaunchDeps) {
  return async (session: Session, app: AppSpec): Promise<'started' | 'gone'> => {
    const now = deps.clock.now();
    const turn: NewSessionEvent = {
      key: `turn:${now}`,
      at: now,
      phase: 'requested',
      message: 'Its turn in the queue came.',
    };
    const { home } = await ownersHome(deps, app, { owner: session.owner, image: session.image });
    const { secret } = sessionCredentials(deps, session.id);
    try {
      await startRecorded(deps, session, app, secret, { home, requested: turn });
      return 'started';
    } catch (error) {
      if (error instanceof CapacityError) throw error;
      await startFailed(deps, session, error, turn, async (e) => {
        throw e;
      }).catch(() => undefined);
      return 'gone';
    }
  };
}
