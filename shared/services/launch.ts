import { groupSecretsFor } from '../domain/group-secrets';
import { volumesFor } from '../domain/volumes';
import type { AppSpec, Profile } from '../domain/app';
import { checkParams, checkResources } from '../domain/launch-request';
import { mayLaunch, mayUse } from '../domain/app-access';
import type { Principal } from '../domain/principal';
import {
  AppNotFoundError,
  AppNotRunnableError,
  CapacityError,
  ShuttingDownError,
  DomainError,
  ImageNotAllowedError,
  QuotaExceededError,
  ValidationError,
} from '../domain/errors';
import { hashToken, newSessionId } from '../domain/ids';
import { imageAllowed } from '../domain/images';
import { enqueue } from './queue';
import { launchLimits, limitsOf } from '../domain/chosen-limits';
import { checkUserCommand } from '../domain/jobs';
import { workKindOf } from '../domain/limits';
import type { Resources, Session } from '../domain/session';
import { once } from '../domain/events';
import { poolServes } from '../domain/pool';
import { launchPooled } from './pools/pool-claim';
import { sessionCredentials } from './credentials';
import { ownersHome, startFailed, startRecorded } from './launch-start';
import type { LaunchDeps, LaunchResult } from './deps';

export type { LaunchResult } from './deps';
import { claimOrReplay } from './idempotent-launch';

export interface LaunchInput {
  owner: string;
  app: string;
  name?: string | undefined;
  params?: Record<string, unknown> | undefined;
  resources?: Partial<Resources> | undefined;
  /** An image of the user's choice, for apps that take one (checked against the allowed prefixes). */
  image?: string | undefined;
  /** A named size of the app's (`profiles`) instead of raw resources. */
  profile?: string | undefined;
  /** A program instead of the app's command, and arguments after it, where the app's `userCommand` allows them. */
  cmd?: string | undefined;
  args?: string[] | undefined;
  /** The replica group it belongs to (launchReplicas). */
  group?: string | undefined;
  /** An idle timeout of the launch's choosing (ms; Infinity: never), within the app's bounds. */
  idleTimeout?: number | undefined;
  /** A lifetime of the launch's choosing (ms), within the app's (or profile's) bounds. */
  maxLifetime?: number | undefined;
  /** false: refuse (503) rather than wait in the queue when there is no room now (the wslink launcher's way). */
  queue?: boolean | undefined;
  /** Who asks: the app's and the profile's `access` apply to them (absent: a caller already checked, or the system). */
  caller?: Principal | undefined;
  /** Idempotency-Key and the hash of the canonical request it came with; how long to remember it. */
  idempotency?: { key: string; requestHash: string; ttlSeconds?: number } | undefined;
}

/** The profile a launch names, checked: the app's, open to the caller, and not beside raw resources; or none. */
function chosenProfile(app: AppSpec, input: LaunchInput): Profile | undefined {
  if (input.profile === undefined) {
    if (app.profilesOnly && input.resources && Object.keys(input.resources).length)
      throw new ValidationError(
        `resources: app ${app.name} takes a profile (${(app.profiles ?? []).map((p) => p.name).join(', ')}), not resources`,
        {
          problems: [`resources: app ${app.name} takes a profile, not resources`],
        },
      );
    return undefined;
  }
  const profile = app.profiles?.find((p) => p.name === input.profile);
  if (!profile)
    throw new ValidationError(`profile: app ${app.name} has no profile ${JSON.stringify(input.profile.slice(0, 32))}`, {
      problems: [`profile: app ${app.name} has no profile ${input.profile.slice(0, 32)}`],
    });
  if (input.caller && !mayUse(profile.access, input.caller))
    throw new DomainError('auth.forbidden', `Profile ${profile.name} of app ${app.name} is not available to you.`, {
      details: { profile: profile.name },
    });
  if (input.resources && Object.keys(input.resources).length)
    throw new ValidationError('Give a profile or resources, not both.', {
      problems: ['profile: give a profile or resources, not both'],
    });
  return profile;
}

/** A launch request checked against its app: the app as it will run, its profile, params and size. */
function checkedLaunch(deps: LaunchDeps, input: LaunchInput) {
  const found = deps.apps.get(input.app);
  // An app the caller may not launch is, to them, no app at all: the catalog's contents do not leak.
  if (!found || (input.caller && !mayLaunch(found, input.caller))) throw new AppNotFoundError(input.app);
  const profile = chosenProfile(found, input);
  // A profile may run on its own capacity (Fargate Spot, say).
  const app = profile?.capacity ? { ...found, capacity: profile.capacity } : found;
  const whyNot = deps.apps.whyNot(app, input.image);
  const params = checkParams(app, input.params ?? {});
  const resources = profile ? { resources: profile.resources, problems: [] } : checkResources(app, input.resources);
  const command = checkUserCommand(app.name, app.userCommand, input);
  const limits = launchLimits(app, limitsOf(app, profile), input);
  const problems = [...params.problems, ...resources.problems, ...command.problems];
  if (input.image !== undefined && !app.customImage) problems.push(`image: app ${app.name} does not take an image`);
  if (problems.length) throw new ValidationError(problems.join('; '), { problems });
  if (input.image !== undefined && !imageAllowed(input.image, deps.policy.imagePrefixes))
    throw new ImageNotAllowedError(input.image);
  // Before anything is written: a launch the runtime cannot carry out stores nothing.
  if (whyNot) throw new AppNotRunnableError(app.name, whyNot);
  if (app.home && !deps.homes)
    throw new AppNotRunnableError(app.name, `app ${app.name} mounts a home, and this deployment keeps none`);
  return { app, profile, params: params.values, resources: resources.resources, command: command.command, limits };
}

/**
 * Launches a session: checks the request, claims its Idempotency-Key, reserves the owner's quota,
 * records it PENDING, then starts the runtime with the session id as the idempotency key, then
 * records STARTING. Recording first means a crash between the two leaves a record the reaper
 * finds; a start failure leaves the session FAILED, never lost.
 */
// Over 60 lines: the launch protocol in its order (check, pool, home, idempotency, quota, record, start, STARTING);
// each step is a call.
export async function launchSession(deps: LaunchDeps, input: LaunchInput): Promise<LaunchResult> {
  const { app, profile, params, resources, command, limits } = checkedLaunch(deps, input);
  const { lifetime, ...chosen } = limits;
  // A launch that asks for exactly what the app's pool keeps ready is served from it, if one is.
  if (deps.pools && !command && !Object.keys(chosen).length && poolServes(app, input)) {
    const pooled = await launchPooled({ ...deps, pools: deps.pools }, app, input, params, resources);
    if (pooled) return pooled;
  }
  // The home first: a failure here stores nothing either.
  const { home, runAs } = await ownersHome(deps, app, input);

  const id = newSessionId();
  const claim = input.idempotency && {
    owner: input.owner,
    key: input.idempotency.key,
    requestHash: input.idempotency.requestHash,
    sessionId: id,
  };
  if (claim) {
    const replay = await claimOrReplay(deps, claim, input.idempotency?.ttlSeconds);
    if (replay) return replay;
  }
  const refused = async (error: unknown): Promise<never> => {
    if (claim) await deps.idempotency.forget(claim);
    throw error;
  };
  const kind = workKindOf(app);
  // A job over its owner's cap waits its turn where a queue is kept (an interactive launch is refused: its user is
  // there to choose what to stop).
  const queue = input.queue !== false ? deps.policy.queue : undefined;
  let overCap: QuotaExceededError | undefined;
  await deps.quotas.reserve(input.owner, resources, deps.policy.limits, kind).catch((error: unknown) => {
    if (queue && app.kind === 'job' && error instanceof QuotaExceededError) overCap = error;
    else return refused(error);
  });

  const now = deps.clock.now();
  const { token, secret } = sessionCredentials(deps, id);
  // The group volumes its owner is a member of, decided now (a queued start mounts what was decided here).
  const volumes = volumesFor(app, input.caller);
  const groupSecrets = groupSecretsFor(app, input.caller);
  const session: Session = {
    id,
    owner: input.owner,
    app: app.name,
    name: input.name ?? app.name,
    status: 'PENDING',
    ...(app.kind ? { kind: app.kind } : {}),
    resources,
    params,
    ...(command ? { command } : {}),
    ...(input.group ? { group: input.group } : {}),
    ...chosen,
    ...(input.image !== undefined ? { image: input.image } : {}),
    ...(runAs ? { runAs } : {}),
    ...(profile ? { profile: profile.name } : {}),
    ...(volumes.length ? { volumes } : {}),
    ...(groupSecrets.length ? { groupSecrets } : {}),
    tokenHash: hashToken(token),
    createdAt: now,
    launchDeadline: now + app.launchTimeoutMs,
    expiresAt: now + lifetime,
    version: 1,
  };
  const requested = once('requested', now, `Launch of ${app.name} requested.`);
  const result = (s: Session): LaunchResult => ({ session: s, token, secret, replayed: false, pooled: false });
  if (overCap && queue) {
    const queued = await enqueue({ ...deps, policy: { ...deps.policy, queue } }, session, overCap.message, {
      create: true,
      before: [requested],
    });
    if (!queued) return refused(overCap);
    return result(queued);
  }
  await deps.store.create(session).catch(async (error: unknown) => {
    await deps.quotas.release(input.owner, session.resources, kind);
    return refused(error);
  });
  deps.logger.info({ sessionId: id, owner: session.owner, app: app.name }, 'session launch');
  try {
    return result(await startRecorded(deps, session, app, secret, { home, requested }));
  } catch (error) {
    // No room now: it waits its turn, holding nothing, where a queue is kept and has room.
    if (error instanceof CapacityError && !(error instanceof ShuttingDownError) && queue) {
      const queued = await enqueue({ ...deps, policy: { ...deps.policy, queue } }, session, error.message, {
        before: [requested],
      });
      if (queued?.status === 'QUEUED') {
        await deps.quotas.release(input.owner, session.resources, kind);
        return result(queued);
      }
    }
    return startFailed(deps, session, error, requested, refused);
  }
}
