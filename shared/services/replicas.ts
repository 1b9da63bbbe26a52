import { randomBytes } from 'node:crypto';
import { QuotaExceededError, ValidationError } from '../domain/errors';
import type { Principal } from '../domain/principal';
import { MAX_REPLICAS } from '../domain/replicas';
import { isLive, type Session } from '../domain/session';
import { listOwn, stopAs } from './access';
import type { LaunchDeps, LaunchResult, ServiceDeps } from './deps';
import { type LaunchInput, launchSession } from './launch';

/** A group of replicas: its id, and its members as launched. */
export interface ReplicaGroup {
  group: string;
  launched: LaunchResult[];
}

/**
 * `replicas: N` (a job's): N jobs named `<name>-<n>`, each with REPLICA_ID=n and REPLICA_COUNT=N (the canfar client's
 * own convention, done here in one call), one group id on each, so they are listed and stopped as one. All or
 * nothing: a member refused (a cap, bad input) stops those already started, and the refusal is the answer. An
 * Idempotency-Key replays per member (`<key>#<n>`).
 */
export async function launchReplicas(deps: LaunchDeps, input: LaunchInput, count: number): Promise<ReplicaGroup> {
  if (!Number.isInteger(count) || count < 1 || count > MAX_REPLICAS)
    throw new ValidationError(`replicas: a whole number from 1 to ${MAX_REPLICAS}`, {
      problems: [`replicas: a whole number from 1 to ${MAX_REPLICAS}`],
    });
  const app = deps.apps.get(input.app);
  if (app && app.kind !== 'job')
    throw new ValidationError(`replicas: app ${app.name} is not a job (kind: job)`, {
      problems: [`replicas: app ${app.name} is not a job (kind: job)`],
    });
  // A group that cannot fit under the jobs cap, and will not wait, is refused before any member starts (a race with
  // other launches is caught below: the members started are stopped).
  // Where a queue is kept, the members past the cap wait their turn instead.
  const queued = input.queue !== false && deps.policy.queue !== undefined;
  const used = (await deps.quotas.get(input.owner)).jobs;
  if (!queued && used + count > deps.policy.limits.jobs)
    throw new QuotaExceededError(input.owner, 'jobs', deps.policy.limits.jobs, count);
  const group = randomBytes(8).toString('hex');
  const name = input.name ?? input.app;
  const launched: LaunchResult[] = [];
  try {
    for (let n = 1; n <= count; n++)
      launched.push(
        await launchSession(deps, {
          ...input,
          name: `${name}-${n}`,
          params: { ...input.params, REPLICA_ID: String(n), REPLICA_COUNT: String(count) },
          group,
          ...(input.idempotency ? { idempotency: { ...input.idempotency, key: `${input.idempotency.key}#${n}` } } : {}),
        }),
      );
  } catch (error) {
    const caller = input.caller ?? { user: input.owner, admin: false };
    for (const { session } of launched)
      await stopAs(deps, caller, session.id).catch((e: unknown) =>
        deps.logger.warn(
          { sessionId: session.id, err: (e as Error).message },
          'could not stop a replica of a refused group',
        ),
      );
    throw error;
  }
  // A replayed group names the group its first member was launched in.
  return { group: launched[0]?.session.group ?? group, launched };
}

/** The caller's sessions of one group (newest first), from their own list. */
export async function groupMembers(deps: Pick<ServiceDeps, 'store'>, owner: string, group: string): Promise<Session[]> {
  const members: Session[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 20; pages++) {
    const page = await listOwn(deps, owner, { limit: 100, ...(cursor ? { cursor } : {}) });
    members.push(...page.items.filter((s) => s.group === group));
    cursor = page.cursor;
    if (!cursor) break;
  }
  return members;
}

/** Stops every live member of the caller's group; each through the one decision, as a single stop is. */
export async function stopGroup(deps: ServiceDeps, principal: Principal, group: string): Promise<Session[]> {
  const members = await groupMembers(deps, principal.user, group);
  const after: Session[] = [];
  for (const member of members) {
    if (!isLive(member.status)) {
      after.push(member);
      continue;
    }
    after.push(await stopAs(deps, principal, member.id));
  }
  return after;
}
