import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { TEST_IMAGE, testEngine } from '../support/container-engine';
import { startServer } from '../support/server';
import { firstEcho } from './launch-echo';
import { ms, quantile, table } from './stats';

const APPS = `
echo-container:
  image: ${TEST_IMAGE}
  cmd: [node, /app/echo-ws.mjs, --host, "\${host}", --port, "\${port}"]
  ready_line: App running at
  resources: { cpu: 1, memory: 256Mi }
echo-process:
  cmd: [node, ${join(process.cwd(), 'examples/apps/echo-ws.mjs')}, --host, "\${host}", --port, "\${port}"]
  ready_line: App running at
  resources: { cpu: 1, memory: 256Mi }
`;

/** The floor for a container: dockerode create + start of the same image and command, its ready line, a WebSocket echo; then removed. */
async function bareContainer(docker: Docker): Promise<number> {
  const t0 = performance.now();
  const container = await docker.createContainer({
    Image: TEST_IMAGE,
    Cmd: ['node', '/app/echo-ws.mjs', '--host', '0.0.0.0', '--port', '8080'],
    ExposedPorts: { '8080/tcp': {} },
    HostConfig: { PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] }, Init: true },
  });
  const output = await container.attach({ stream: true, stdout: true, stderr: true });
  const ready = new Promise<void>((resolve) => {
    let seen = '';
    output.on('data', (d: Buffer) => {
      seen += d.toString();
      if (seen.includes('App running at')) resolve();
    });
  });
  await container.start();
  const port = (await container.inspect()).NetworkSettings.Ports['8080/tcp']![0]!.HostPort;
  await ready;
  await firstEcho(`ws://127.0.0.1:${port}/`);
  const took = performance.now() - t0;
  await container.remove({ force: true });
  return took;
}

/**
 * Launch to first echo of a container session, a process session (the same echo app), and a bare
 * dockerode create+start of the same image, taking turns, one at a time; medians of 10.
 */
export async function benchContainers(): Promise<string> {
  const engine = await testEngine();
  if ('reason' in engine) return `### Container sessions\n\nNot measured: ${engine.reason}.`;
  const dir = mkdtempSync(join(tmpdir(), 'sp-bench-ctr-'));
  writeFileSync(join(dir, 'apps.yml'), APPS);
  const server = await startServer({
    SESSIONPLANE_APPS: join(dir, 'apps.yml'),
    SESSIONPLANE_CONTAINER_HOST: engine.address,
    SESSIONPLANE_MAX_SESSIONS_PER_USER: '1000',
    SESSIONPLANE_RATE_LIMIT: '100000',
    SESSIONPLANE_LOG_LEVEL: 'warn',
  });
  const launch = async (app: string) => {
    const t0 = performance.now();
    const res = await server.api('/sessions', { method: 'POST', body: JSON.stringify({ app }) });
    const body = (await res.json()) as { id: string; sessionURL: string };
    if (res.status !== 202) throw new Error(`launch failed: ${res.status} ${JSON.stringify(body)}`);
    await firstEcho(body.sessionURL);
    const took = performance.now() - t0;
    await (await server.api(`/sessions/${body.id}`, { method: 'DELETE' })).arrayBuffer();
    return took;
  };
  try {
    for (let i = 0; i < 2; i++) {
      await launch('echo-container');
      await launch('echo-process');
      await bareContainer(engine.docker);
    }
    const runs = { container: [] as number[], process: [] as number[], bare: [] as number[] };
    for (let i = 0; i < 10; i++) {
      runs.container.push(await launch('echo-container'));
      runs.process.push(await launch('echo-process'));
      runs.bare.push(await bareContainer(engine.docker));
    }
    const med = (xs: number[]) => quantile(xs, 0.5);
    const p90 = (xs: number[]) => quantile(xs, 0.9);
    const bare = med(runs.bare);
    return [
      `### Container sessions: launch to first echo (npm start, echo app; ${engine.address.startsWith('unix') ? 'a local engine socket' : engine.address})`,
      '',
      table(
        ['how', 'median of 10', 'p90', 'over bare create+start'],
        [
          [
            'container session (POST /sessions → WebSocket echo via the router)',
            ms(med(runs.container)),
            ms(p90(runs.container)),
            `+${ms(med(runs.container) - bare)}`,
          ],
          ['process session (the same app as a child process)', ms(med(runs.process)), ms(p90(runs.process)), '—'],
          ['bare dockerode create+start, same image (the floor)', ms(bare), ms(p90(runs.bare)), '—'],
        ],
      ),
    ].join('\n');
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(server.dataDir, { recursive: true, force: true });
  }
}
