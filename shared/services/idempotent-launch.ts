import { setTimeout as sleep } from 'node:timers/promises';
import { IdempotencyInProgressError, IdempotencyMismatchError } from '../domain/errors';
import type { IdempotencyClaim } from '../ports/idempotency-store';
import type { LaunchDeps, LaunchResult } from './deps';
import { sessionCredentials } from './credentials';

/**
 * Claims an Idempotency-Key for a launch. Undefined: this request is the first, go on. Otherwise
 * the result of the first request with this key: the same session and credentials again.
 */
export async function claimOrReplay(
  deps: LaunchDeps,
  claim: IdempotencyClaim,
  ttlSeconds = deps.policy.idempotencySeconds,
): Promise<LaunchResult | undefined> {
  const existing = await deps.idempotency.claim(claim, ttlSeconds);
  if (!existing) return undefined;
  if (existing.requestHash !== claim.requestHash) throw new IdempotencyMismatchError();
  // The first request may be between its claim and its record: give it a moment.
  let session = await deps.store.get(existing.sessionId);
  for (let wait = 25; !session && wait <= 400; wait *= 2) {
    await sleep(wait);
    session = await deps.store.get(existing.sessionId);
  }
  if (!session) throw new IdempotencyInProgressError();
  return { session, ...sessionCredentials(deps, session.id), replayed: true };
}
