import type { ServiceDeps } from './deps';

interface Sample {
  at: number;
  cpuSeconds: number;
}

/** Whether between two samples an instance used more than `vcpus` on average (its app's CPU rule). */
function busyBetween(before: Sample, after: Sample, vcpus: number): boolean {
  const wall = (after.at - before.at) / 1000;
  return wall > 0 && (after.cpuSeconds - before.cpuSeconds) / wall > vcpus;
}

/**
 * An app's CPU rule on a runtime that can tell (a process, a container): each pass samples the CPU time of every READY
 * session whose app has `busyCpu`, and one that used more than that since the last sample counts as in use (its idle
 * clock starts again, as a router request would). The samples are this process's own, kept between passes.
 */
export class CpuBusy {
  private readonly samples = new Map<string, Sample>();

  async pass(
    deps: Pick<ServiceDeps, 'store' | 'runtime' | 'apps' | 'clock'>,
  ): Promise<{ sampled: number; busy: number }> {
    const counted = { sampled: 0, busy: 0 };
    if (!deps.runtime.cpuSeconds) return counted;
    const seen = new Set<string>();
    for await (const s of deps.store.listLive()) {
      const vcpus = deps.apps.get(s.app)?.busyCpu;
      if (s.status !== 'READY' || !vcpus || !s.runtime) continue;
      const cpuSeconds = await deps.runtime.cpuSeconds(s.runtime.runtimeId);
      if (cpuSeconds === undefined) continue;
      seen.add(s.id);
      counted.sampled += 1;
      const now = { at: deps.clock.now(), cpuSeconds };
      const before = this.samples.get(s.id);
      this.samples.set(s.id, now);
      if (before && busyBetween(before, now, vcpus)) {
        await deps.store.recordActivity(s.id, now.at);
        counted.busy += 1;
      }
    }
    for (const id of this.samples.keys()) if (!seen.has(id)) this.samples.delete(id);
    return counted;
  }
}
