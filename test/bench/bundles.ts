import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createDocumentClient } from '../../shared/adapters/dynamodb/dynamodb-client';
import { ensureSessionsTable } from '../../shared/adapters/dynamodb/dynamodb-table';
import { startEmbeddedDynamoDb } from '../../shared/adapters/dynamodb/embedded-dynamodb';
import { FUNCTION_ENTRIES } from '../../shared/config/functions';
import { bundleWithMap } from '../support/bundle';
import { CLUSTER_ARN, taskEvent } from '../support/ecs-events';
import { httpApiEvent, lambdaContext } from '../support/lambda-events';
import { ms, quantile, table } from './stats';
import { testJwtEnv } from '../support/test-jwt';

/** One synthetic request per function, each answered from the store (no ECS call). */
const REQUESTS: Record<keyof typeof FUNCTION_ENTRIES, unknown> = {
  'api-read': httpApiEvent('GET', '/sessions'),
  'api-write': httpApiEvent('DELETE', `/sessions/${'0'.repeat(32)}`),
  'api-catalog': httpApiEvent('GET', '/apps'),
  'task-events': taskEvent('0'.repeat(32), `${CLUSTER_ARN.replace(':cluster/', ':task/')}/1`, {
    lastStatus: 'STOPPED',
    desiredStatus: 'STOPPED',
  }),
  // A pass over an empty table: ListTasks goes to ECS, so the bench points ECS at a closed local port.
  reaper: {},
  // A pass over no pools (the apps file declares none): two queries, no ECS call.
  pools: {},
  // A pass over an empty queue: one query of the live index, no ECS call.
  queue: {},
  // A look at the repository (ECR pointed at the local endpoint, which answers with no repositories).
  'image-catalog': {},
};

/** Starts Node, imports the bundle, handles one event; resolves wall time and the in-process time. */
function coldStart(
  file: string,
  event: unknown,
  env: Record<string, string>,
): Promise<{ wall: number; imported: number; inside: number; ok: boolean }> {
  const runner = `const t0 = performance.now(); const { handler } = await import(${JSON.stringify(file)});
const imported = performance.now() - t0;
const context = { ...${JSON.stringify(lambdaContext)}, getRemainingTimeInMillis: () => 30000 };
const ok = await handler(${JSON.stringify(event)}, context).then(() => true, () => false);
process.stdout.write(JSON.stringify({ imported, inside: performance.now() - t0, ok }));`;
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', runner], {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`cold start of ${file} exited ${code}`));
      const { imported, inside, ok } = JSON.parse(out) as { imported: number; inside: number; ok: boolean };
      resolve({ wall: performance.now() - start, imported, inside, ok });
    });
  });
}

export async function benchBundles(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'sp-bundles-'));
  const db = await startEmbeddedDynamoDb();
  const ecs = createServer((req, res) =>
    req
      .resume()
      .on('end', () => res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end('{"taskArns":[]}')),
  );
  await new Promise<void>((r) => ecs.listen(0, '127.0.0.1', r));
  const ecsUrl = `http://127.0.0.1:${(ecs.address() as AddressInfo).port}`;
  try {
    await ensureSessionsTable(createDocumentClient({ endpoint: db.endpoint, region: 'local' }), 'sessions');
    writeFileSync(join(dir, 'apps.json'), JSON.stringify({ web: { image: 'ghcr.io/acme/web:1', port: 8080 } }));
    const env = {
      PATH: process.env.PATH ?? '',
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'bench',
      AWS_SECRET_ACCESS_KEY: 'bench',
      SESSIONPLANE_TABLE: 'sessions',
      SESSIONPLANE_DYNAMODB_ENDPOINT: db.endpoint,
      SESSIONPLANE_APPS: join(dir, 'apps.json'),
      SESSIONPLANE_LOG_LEVEL: 'silent',
      SESSIONPLANE_PUBLIC_URL: 'https://sessions.example.org',
      SESSIONPLANE_TOKEN_KEY: 'ab'.repeat(32),
      ...testJwtEnv,
      SESSIONPLANE_CLUSTER_ARN: CLUSTER_ARN,
      SESSIONPLANE_SUBNETS: 'subnet-a',
      SESSIONPLANE_SECURITY_GROUPS: 'sg-1',
      SESSIONPLANE_TASK_FAMILY_PREFIX: 'sessionplane-',
      SESSIONPLANE_LOG_GROUP_PREFIX: '/sessionplane/apps/',
      POWERTOOLS_METRICS_DISABLED: 'true',
      // The reaper's ListTasks: a local endpoint answering "no tasks", so no request leaves the machine.
      AWS_ENDPOINT_URL_ECS: ecsUrl,
      // As the stack sets it: the app image repository (image-catalog reads it; the others read its snapshot).
      SESSIONPLANE_IMAGE_REPOSITORY: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/sessionplane-apps',
      AWS_ENDPOINT_URL_ECR: ecsUrl,
    };
    // The floor: a fresh Node process that imports nothing and exits, started with the same environment as the
    // functions (this machine's own, e.g. NODE_EXTRA_CA_CERTS, costs every Node start ~45 ms: not on either side).
    const bare: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now();
      await new Promise((r) =>
        spawn(process.execPath, ['--input-type=module', '-e', '0'], { stdio: 'ignore', env }).once('exit', r),
      );
      bare.push(performance.now() - t0);
    }
    const floor = quantile(bare, 0.5);
    const rows: (string | number)[][] = [];
    for (const [name, entry] of Object.entries(FUNCTION_ENTRIES) as [keyof typeof FUNCTION_ENTRIES, string][]) {
      // As deployed: the bundle and its map beside it (NodejsFunction's `sourceMap: true`).
      const { code, map } = await bundleWithMap(entry, `${name}.mjs`);
      const file = join(dir, `${name}.mjs`);
      writeFileSync(file, code);
      writeFileSync(`${file}.map`, map);
      // Alternating, so that any drift of the machine falls on both: the map parsed at start
      // (`NODE_OPTIONS=--enable-source-maps`, as deployed before #39), and read only on a first stack (now).
      const eager: Awaited<ReturnType<typeof coldStart>>[] = [];
      const runs: Awaited<ReturnType<typeof coldStart>>[] = [];
      for (let i = 0; i < 10; i++) {
        eager.push(await coldStart(file, REQUESTS[name], { ...env, NODE_OPTIONS: '--enable-source-maps' }));
        runs.push(await coldStart(file, REQUESTS[name], env));
      }
      const med = (f: (r: (typeof runs)[number]) => number, of = runs) => quantile(of.map(f), 0.5);
      rows.push([
        runs.every((r) => r.ok) && eager.every((r) => r.ok) ? name : `${name} (request failed)`,
        `${(Buffer.byteLength(code) / 1024).toFixed(0)} KiB`,
        `${(gzipSync(code).length / 1024).toFixed(0)} KiB`,
        ms(med((r) => r.imported)),
        ms(med((r) => r.inside - r.imported)),
        ms(med((r) => r.wall)),
        `${(med((r) => r.wall) / floor).toFixed(2)}×`,
        `${ms(med((r) => r.wall, eager))} (${(med((r) => r.wall, eager) / floor).toFixed(2)}×)`,
      ]);
    }
    return [
      '### Function bundles: size, and cold start as a fresh Node process (median of 10)',
      '',
      `A bare Node process (\`node -e 0\`, with the functions' environment) takes ${ms(floor)} here; "over bare Node" is each function's whole process over that, its map beside it and read only on a first stack trace (as deployed); the last column is the same with \`--enable-source-maps\` (the map parsed at every start, as deployed before #39).`,
      '',
      table(
        [
          'function',
          'bundle',
          'gzipped',
          'import',
          'first request',
          'whole process',
          'over bare Node',
          'with --enable-source-maps',
        ],
        rows,
      ),
    ].join('\n');
  } finally {
    ecs.close();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
