import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startServer } from '../support/server';
import { waitFor } from '../support/wait';
import { bareSpawn, firstEcho } from './launch-echo';
import { ms, quantile, table } from './stats';

const ROUNDS = 20;

/**
 * Launch to first echo through the router, in one run of npm start: the echo app served by its
 * warm pool (each launch a hit: the pool is refilled between launches), the same app with no pool,
 * and a bare spawn of it. One at a time, taking turns; p50 and p90 of each.
 */
export async function benchPools(): Promise<string> {
  const appsDir = mkdtempSync(join(tmpdir(), 'sp-bench-pools-'));
  const echo = `  cmd: [node, echo-ws.mjs, --host, "\${host}", --port, "\${port}"]\n  cwd: ${resolve('examples/apps')}\n  ready_line: App running at\n`;
  writeFileSync(join(appsDir, 'apps.yml'), `echo:\n${echo}pooled:\n${echo}  pool: { min: 2 }\n`);
  const server = await startServer({
    SESSIONPLANE_APPS: join(appsDir, 'apps.yml'),
    SESSIONPLANE_MAX_SESSIONS_PER_USER: '1000',
    SESSIONPLANE_MAX_CPU_PER_USER: '1000',
    SESSIONPLANE_MAX_MEMORY_PER_USER: '1000Gi',
    SESSIONPLANE_RATE_LIMIT: '100000',
    SESSIONPLANE_LOG_LEVEL: 'warn',
  });
  const poolReady = () =>
    waitFor(
      async () => {
        const { pools } = (await (await server.api('/pools')).json()) as {
          pools: { ready: number; starting: number }[];
        };
        return pools[0]!.ready === 2 && pools[0]!.starting === 0;
      },
      30_000,
      'the pool refilled',
    );
  const launch = async (app: string) => {
    const t0 = performance.now();
    const res = await server.api('/sessions', { method: 'POST', body: JSON.stringify({ app }) });
    const body = (await res.json()) as { id: string; sessionURL: string; pooled: boolean };
    if (res.status !== 202) throw new Error(`launch failed: ${res.status} ${JSON.stringify(body)}`);
    const reply = performance.now() - t0;
    await firstEcho(body.sessionURL);
    const took = performance.now() - t0;
    // The same again on the session now that it has served once: what the first connection costs the app itself.
    const t1 = performance.now();
    await firstEcho(body.sessionURL);
    const again = performance.now() - t1;
    await (await server.api(`/sessions/${body.id}`, { method: 'DELETE' })).arrayBuffer();
    return { took, reply, again, pooled: body.pooled };
  };
  try {
    const runs = {
      pooled: [] as number[],
      plain: [] as number[],
      bare: [] as number[],
      reply: [] as number[],
      echo: [] as number[],
      again: [] as number[],
    };
    let hits = 0;
    for (let i = -3; i < ROUNDS; i++) {
      await poolReady();
      const p = await launch('pooled');
      const n = await launch('echo');
      const b = await bareSpawn();
      if (i < 0) continue; // warm-up: the JIT, the store, the page cache
      if (p.pooled) hits++;
      runs.pooled.push(p.took);
      runs.reply.push(p.reply);
      runs.echo.push(p.took - p.reply);
      runs.again.push(p.again);
      runs.plain.push(n.took);
      runs.bare.push(b);
    }
    const p50 = (xs: number[]) => quantile(xs, 0.5);
    const p90 = (xs: number[]) => quantile(xs, 0.9);
    const speedup = p50(runs.plain) / p50(runs.pooled);
    return [
      `### Warm pools: launch to first echo through the router (npm start, echo app, one at a time, ${ROUNDS} rounds taking turns)`,
      '',
      table(
        ['measure', 'p50', 'p90'],
        [
          [`from its warm pool (${hits}/${ROUNDS} hits)`, ms(p50(runs.pooled)), ms(p90(runs.pooled))],
          ['  of which the POST reply (READY in it)', ms(p50(runs.reply)), ms(p90(runs.reply))],
          ['  of which the first echo through the router', ms(p50(runs.echo)), ms(p90(runs.echo))],
          ['  a second connection and echo, same session', ms(p50(runs.again)), ms(p90(runs.again))],
          ['no pool (started per launch)', ms(p50(runs.plain)), ms(p90(runs.plain))],
          ['bare spawn of the app (no control plane)', ms(p50(runs.bare)), ms(p90(runs.bare))],
        ],
      ),
      '',
      `Pooled p50 ${ms(p50(runs.pooled))} (#39's goal ≤ 15 ms: ${p50(runs.pooled) <= 15 ? 'met' : 'NOT met'}); ${speedup.toFixed(1)}× faster than without a pool (#39's goal ≥ 15×: ${speedup >= 15 ? 'met' : 'NOT met'}).`,
    ].join('\n');
  } finally {
    await server.stop();
    rmSync(server.dataDir, { recursive: true, force: true });
    rmSync(appsDir, { recursive: true, force: true });
  }
}
