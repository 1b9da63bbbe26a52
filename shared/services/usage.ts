import { isFinal, type Session } from '../domain/session';
import { usageOf } from '../domain/usage';
import type { ServiceDeps } from './deps';

type UsageDeps = Pick<ServiceDeps, 'store' | 'clock' | 'logger' | 'metrics'> &
  Partial<Pick<ServiceDeps, 'apps' | 'usage'>>;

/** What the price table prices a session at: GPU with GPUs, else its app's capacity (Fargate by default). */
export function capacityOf(deps: Partial<Pick<ServiceDeps, 'apps'>>, session: Session): string {
  if (session.resources.gpus > 0) return 'GPU';
  const app = deps.apps?.get(session.app);
  return app?.profiles?.find((p) => p.name === session.profile)?.capacity ?? app?.capacity ?? 'FARGATE';
}

/**
 * Writes an ended session's usage record: exactly once, whoever calls (the stop, the reaper, both
 * at once: the write is conditional on the session's id), then takes it off the ended-unrecorded
 * list. A failure leaves it there for the reaper's next pass.
 */
export async function recordUsage(deps: UsageDeps, session: Session): Promise<boolean> {
  if (!deps.usage || !isFinal(session.status)) return false;
  const record = usageOf(session, capacityOf(deps, session), session.stoppedAt ?? deps.clock.now());
  const wrote = await deps.usage.record(record);
  if (wrote) deps.metrics.sessionSeconds(session.app, record.seconds);
  await deps.store.markRecorded(session.id);
  return wrote;
}

/** The reaper's repair: the usage of sessions that ended without one (a crash between the end and the record). */
export async function repairUsageRecords(deps: UsageDeps): Promise<number> {
  if (!deps.usage) return 0;
  let repaired = 0;
  for await (const session of deps.store.listUnrecorded()) {
    try {
      if (await recordUsage(deps, session)) repaired++;
    } catch (error) {
      deps.logger.warn({ sessionId: session.id, err: (error as Error).message }, 'could not record usage');
    }
  }
  return repaired;
}
