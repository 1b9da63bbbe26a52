import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { processesOf } from '../support/procs';
import { startServer, type ServerProcess } from '../support/server';

/** mulberry32: a seeded, reproducible sequence in [0, 1). */
function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = Number(process.env.FAULT_SEED ?? 11);
const ROUNDS = 20;
const LAUNCHES = 10;
const LIVE = new Set(['PENDING', 'STARTING', 'READY', 'STOPPING']);

async function allSessions(server: ServerProcess): Promise<Array<{ id: string; status: string }>> {
  const out: Array<{ id: string; status: string }> = [];
  let cursor: string | undefined;
  do {
    const res = await server.api(`/sessions?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    const page = (await res.json()) as { sessions: Array<{ id: string; status: string }>; cursor?: string };
    out.push(...page.sessions);
    cursor = page.cursor;
  } while (cursor);
  return out;
}

describe(`fault injection: kill -9 and SIGTERM during ${LAUNCHES} concurrent launches, ${ROUNDS} rounds (seed ${SEED})`, () => {
  let server: ServerProcess | undefined;
  let dataDir: string | undefined;
  afterAll(async () => {
    await server?.stop('SIGKILL');
    if (dataDir) {
      // Whatever a failed assertion left running goes too.
      for (const pids of processesOf(dataDir).values()) for (const pid of pids) process.kill(pid, 'SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('leaves, after every restart, no process of a session that is not live, and every accepted id accounted for', async () => {
    const random = seeded(SEED);
    const env = { SESSIONPLANE_MAX_SESSIONS_PER_USER: '1000', SESSIONPLANE_STOP_GRACE: '1s' };
    server = await startServer(env);
    dataDir = server.dataDir;
    const accepted = new Set<string>();
    const kills: Record<string, number> = { SIGKILL: 0, SIGTERM: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      const signal: NodeJS.Signals = random() < 0.5 ? 'SIGKILL' : 'SIGTERM';
      const delayMs = Math.floor(random() * 400);
      // Every other round, the kill's delay counts from the first launch accepted rather than from
      // the first sent, so that on a loaded machine (where a launch can take longer than 400 ms) the
      // kills still land among accepted launches with others in flight, not only before any.
      const afterFirstAccepted = round % 2 === 1;
      let firstAccepted!: () => void;
      const accepting = new Promise<void>((r) => (firstAccepted = r));
      const launches = Array.from({ length: LAUNCHES }, () =>
        server!
          .api('/sessions', { method: 'POST', body: JSON.stringify({ app: 'echo' }) })
          .then(async (res) => {
            if (res.status === 202) {
              accepted.add(((await res.json()) as { id: string }).id);
              firstAccepted();
            } else expect([503]).toContain(res.status); // refused while shutting down: never a 500
          })
          .catch(() => undefined),
      ); // the connection went with the server
      if (afterFirstAccepted) await Promise.race([accepting, new Promise((r) => setTimeout(r, 10_000))]);
      await new Promise((r) => setTimeout(r, delayMs));
      const code = await server.stop(signal);
      kills[signal]!++;
      if (signal === 'SIGTERM') {
        // Exit 0 is the time bound too: past its own (grace + 10 s) the server exits 1.
        expect(code, `round ${round}: exit code after SIGTERM:\n${server.output().slice(-3000)}`).toBe(0);
        expect(
          [...processesOf(dataDir).keys()],
          `round ${round}: processes left after SIGTERM\n${server.output().slice(-3000)}`,
        ).toEqual([]);
      }
      await Promise.all(launches);

      const previous = server.output().slice(-4000);
      server = await startServer(env, dataDir);
      const context = `\n--- the run before (${signal} after ${delayMs} ms) ---\n${previous}\n--- this run ---\n${server.output().slice(-2000)}`;
      const sessions = await allSessions(server);
      const status = new Map(sessions.map((s) => [s.id, s.status]));
      for (const id of accepted)
        expect(status.get(id), `round ${round}: accepted ${id}${context}`).toMatch(/^(STOPPED|FAILED)$/);
      const running = processesOf(dataDir);
      for (const [id, pids] of running) {
        expect(
          LIVE.has(status.get(id) ?? 'none'),
          `round ${round}: process ${pids.join(',')} of ${id} (${status.get(id) ?? 'no record'})${context}`,
        ).toBe(true);
      }
      // A freshly started server has nothing in flight: nothing is live, nothing runs.
      expect(
        sessions.filter((s) => LIVE.has(s.status)).map((s) => JSON.stringify(s)),
        `round ${round} (${signal}): live after restart${context}`,
      ).toEqual([]);
      expect(running.size, `round ${round}: processes after restart${context}`).toBe(0);
    }
    console.log(
      `fault injection: ${ROUNDS} rounds, ${kills.SIGKILL} kill -9, ${kills.SIGTERM} SIGTERM, ${accepted.size} launches accepted`,
    );
    expect(accepted.size).toBeGreaterThan(0);
  }, 300_000);
});
