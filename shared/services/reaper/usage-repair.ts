import { NO_USAGE, round, type Usage, workKindOf } from '../../domain/limits';
import type { Session } from '../../domain/session';
import type { ServiceDeps } from '../deps';

/** A usage counter changed this recently may count a launch the live index does not show yet. */
const USAGE_SETTLE_MS = 60_000;

function sum(sessions: Session[]): Usage {
  const usage = { ...NO_USAGE };
  for (const s of sessions) {
    // Waiting in the queue holds nothing.
    if (s.status === 'QUEUED') continue;
    usage[workKindOf(s)] += 1;
    usage.cpu = round(usage.cpu + s.resources.cpu);
    usage.memory += s.resources.memory;
    usage.gpus += s.resources.gpus;
  }
  return usage;
}

const same = (a: Usage, b: Usage) =>
  a.sessions === b.sessions && a.jobs === b.jobs && a.cpu === b.cpu && a.memory === b.memory && a.gpus === b.gpus;

/**
 * Re-derives each owner's usage from their live sessions (read from the live index by this pass,
 * so the cost does not grow with stopped sessions) and repairs counters that drifted, e.g. after a
 * crash between a session's end and its release. Counters changed in the last `settleMs` (a
 * minute; 0 where no launch can be in flight, as at start-up) are left alone; the repair itself is conditional on the counter being what was read.
 * An owner whose counter is zero with nothing live leaves the usage index.
 */
export async function repairUsage(
  deps: Pick<ServiceDeps, 'quotas' | 'clock' | 'logger'>,
  live: Session[],
  settleMs = USAGE_SETTLE_MS,
): Promise<number> {
  const byOwner = new Map<string, Session[]>();
  for (const s of live) byOwner.set(s.owner, [...(byOwner.get(s.owner) ?? []), s]);
  let repaired = 0;
  const now = deps.clock.now();
  for await (const record of deps.quotas.listUsage()) {
    const derived = sum(byOwner.get(record.owner) ?? []);
    if (now - record.updatedAt < settleMs) continue;
    if (same(derived, record.usage)) {
      // Nothing counted and nothing live: the record leaves the index (the owner's next launch puts it back), so a pass
      // reads the owners with something live, not everyone who ever launched (#40: it grew with every user).
      if (derived.sessions === 0 && derived.jobs === 0) await deps.quotas.repair(record.owner, record.usage, derived);
      continue;
    }
    if (await deps.quotas.repair(record.owner, record.usage, derived)) {
      repaired++;
      deps.logger.warn(
        { owner: record.owner, was: record.usage, now: derived },
        'repaired a usage counter that had drifted',
      );
    }
  }
  return repaired;
}
