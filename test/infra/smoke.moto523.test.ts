import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { freePort } from '../support/dynamodb-local';
import { startHttpApi } from '../support/http-api';
import { moto523Missing } from '../support/moto-523';
import { motoUserPool } from '../support/moto-cognito';
import { deliverEvents, deployOnMoto, type MotoDeployment, REGION } from '../support/moto-deployment';

/** `npm run smoke` as the infra team runs it after `cdk deploy --outputs-file outputs.json`. */
function smoke(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['scripts/smoke.mjs', ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => done({ code, out }));
  });
}

const missing = moto523Missing();
const suite = missing ? describe.skip : describe;

/*
 * The smoke test against the AWS journey's deployment (moto 5.2.3, the bundles, the router, the stand-in ECS agent
 * and EventBridge), with the demo apps file, signed in through Cognito (moto's) with a password, through an HTTP API
 * that verifies the JWT as API Gateway's authorizer does, from the outputs file `cdk deploy` writes.
 */
suite(`npm run smoke -- --outputs …, against the deployment on moto 5.2.3${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let d: MotoDeployment;
  let dir: string;
  let outputsFile: string;
  let pool: Awaited<ReturnType<typeof motoUserPool>>;
  let closeApi: () => Promise<void>;
  let stopEvents: () => Promise<void>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sp-smoke-'));
    // The demo apps file as it is, each app on a free port here (its tasks share this machine's addresses).
    const demo = parse(readFileSync('examples/apps/apps.yml', 'utf8')) as Record<string, Record<string, unknown>>;
    const port = await freePort();
    for (const app of Object.values(demo)) Object.assign(app, { port, build: resolve('examples/apps') });
    writeFileSync(join(dir, 'apps.yml'), stringify(demo));
    d = await deployOnMoto(join(dir, 'apps.yml'), {
      // The stack's user pool, made in moto; the functions verify its tokens themselves.
      prepare: async (endpoint, stack) => {
        const cli = Object.entries(stack.resources).find(
          ([id, r]) => r.Type === 'AWS::Cognito::UserPoolClient' && id.startsWith('IdentityUsersCli'),
        )![1];
        pool = await motoUserPool(endpoint, REGION, cli.Properties!.ExplicitAuthFlows as string[]);
        return {
          SESSIONPLANE_JWT_ISSUER: pool.issuer,
          SESSIONPLANE_JWT_JWKS_URL: pool.jwksUrl,
          SESSIONPLANE_JWT_AUDIENCE: pool.clientId,
        };
      },
    });
    stopEvents = deliverEvents(d);
    const api = await startHttpApi({ functions: d.fns });
    closeApi = api.close;
    // What `cdk deploy --outputs-file` writes: each output under its logical id.
    const key = (name: string) =>
      Object.keys(d.stack.outputs).find((k) => k.replace(/[0-9A-F]{8}$/, '').endsWith(name))!;
    outputsFile = join(dir, 'outputs.json');
    writeFileSync(
      outputsFile,
      JSON.stringify({
        Sessionplane: {
          [key('ApiUrl')]: api.url,
          [key('UserPoolId')]: pool.poolId,
          [key('UserPoolClientId')]: pool.clientId,
          [key('RouterUrl')]: d.router.base,
        },
      }),
    );
  }, 240_000);

  afterAll(async () => {
    await stopEvents?.();
    await closeApi?.();
    await d?.close();
    for (const x of [dir, d?.stack.outdir]) if (x) rmSync(x, { recursive: true, force: true });
  });

  const env = () => ({ AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: d.motoEndpoint });

  it('signs in, launches each demo app, opens each through the router, stops each, and times every step', async () => {
    const { code, out } = await smoke(
      ['--outputs', outputsFile, '--user', pool.user, '--password', pool.password],
      env(),
    );
    console.log(out);
    expect(out).toMatch(/^ok {3}sign in +\d+\.\d+ s {2}alice$/m);
    expect(out).toMatch(/^ok {3}list apps +\d+\.\d+ s {2}4 offered: echo, hello, wslink, reduce$/m);
    // The batch job ran as an ECS task to its end: its exit code from the task's container. (Its output has the
    // stack-built entrypoint's own lines too: here the AWS SDK's warning about this machine's Node 20.)
    expect(out).toMatch(/^ok {3}reduce: completed +\d+\.\d+ s {2}exit code 0, \d+ lines of output$/m);
    expect(out).toMatch(/^ok {3}echo: open through the router +\d+\.\d+ s {2}page \d{3}, WebSocket echoed$/m);
    expect(out).toMatch(/^ok {3}hello: open through the router +\d+\.\d+ s {2}page 200, /m);
    expect(out).toMatch(/^ok {3}wslink: open through the router +\d+\.\d+ s {2}page \d{3}, WebSocket (open|echoed)$/m);
    for (const app of ['echo', 'hello', 'wslink']) expect(out).toMatch(new RegExp(`^ok {3}${app}: stop `, 'm'));
    expect(out).toMatch(/smoke test passed in \d+\.\d+ s \(4 apps\)/);
    expect(code).toBe(0);
  });

  it('exits 1 saying why for a wrong password, and for an outputs file that is not one', async () => {
    const wrong = await smoke(['--outputs', outputsFile, '--user', pool.user, '--password', 'not-it'], env());
    expect(wrong.code).toBe(1);
    expect(wrong.out).toMatch(/^FAIL sign in as alice: NotAuthorizedException/m);
    writeFileSync(join(dir, 'other.json'), '{"Other":{"Bucket":"b"}}');
    const other = await smoke(['--outputs', join(dir, 'other.json'), '--user', 'a', '--password', 'b'], env());
    expect(other.code).toBe(1);
    expect(other.out).toContain('FAIL the outputs file has no ApiUrl output');
  });
});
