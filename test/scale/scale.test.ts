import { describe, expect, it } from 'vitest';
import { rush, stormBetween } from './scenarios';

/**
 * The scale simulator's small scenarios, as invariants of the control plane under AWS's limits (#40): the real functions'
 * code on simulated time, so what they find does not depend on this machine's speed. The large ones are
 * `npm run scale` (docs/reference/capacity.md).
 */
describe('the control plane under AWS limits (scale simulator)', () => {
  it('a Fargate capacity storm: launches wait in the queue and all start once it passes, each once; no function outruns its timeout', async () => {
    const report = await rush({
      name: 'storm',
      launches: 120,
      minutes: 2,
      watch: 8,
      plane: { noCapacity: stormBetween(0.5, 1.5) },
    });
    expect(report.refused).toEqual({});
    expect(report.failed).toEqual({});
    expect(report.ready).toBe(120);
    expect(report.queued).toBeGreaterThan(10);
    expect(Object.keys(report.runTaskFailures)).toEqual([expect.stringMatching(/^Capacity is unavailable/)]);
    // Those that waited started after the storm (1.5 minutes in): none of them READY before.
    for (const p of report.points.filter((q) => q.queued)) expect(p.at + p.seconds!).toBeGreaterThanOrEqual(90);
    // Each session one task: RunTask's successes are the launches.
    const runTasks = report.ecs.RunTask!;
    expect(runTasks.calls - runTasks.throttled - Object.values(report.runTaskFailures).reduce((a, b) => a + b, 0)).toBe(
      120,
    );
    for (const [fn, l] of Object.entries(report.lambda.byFunction)) expect(l.overTimeout, fn).toBe(0);
  });

  it("the account's vCPU quota: launches over it wait and start as others end, none refused", async () => {
    const report = await rush({
      name: 'quota',
      launches: 60,
      minutes: 1,
      watch: 20,
      // Each kept 3-5 minutes; 20 vCPUs hold 40 notebooks.
      stay: [3, 5],
      plane: { vcpuQuota: 20 },
    });
    expect(report.refused).toEqual({});
    expect(report.fargate.peakVcpus).toBeLessThanOrEqual(20);
    expect(report.queued).toBeGreaterThan(0);
    // Every launch started, or was stopped by its user while it waited (never failed, never lost).
    expect(report.ready + (report.failed['STOPPED user'] ?? 0)).toBe(60);
    expect(Object.keys(report.failed).filter((k) => k !== 'STOPPED user')).toEqual([]);
  });
});
