import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { DescribeTasksCommand, RunTaskCommand } from '@aws-sdk/client-ecs';
import { CreateKeyCommand, DecryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { EcsRuntime } from '../../shared/adapters/runtime/ecs/ecs-runtime';
import { SEALED_SECRET_PLACEHOLDER } from '../../shared/adapters/runtime/ecs/task-overrides';
import { KmsSecretSealer, sealContext } from '../../shared/adapters/runtime/ecs/secret-sealer';
import { fixtureApp } from '../support/apps';
import { motoDescribe, startMoto } from '../support/moto';
import { ScriptedEcs } from '../support/scripted-ecs';
import { makeSession } from '../support/sessions';

/*
 * #14 item 5: the session secret never in the task description. KMS is moto's (it checks the
 * encryption context on Decrypt as KMS does); ECS is the scripted one, whose DescribeTasks shows the
 * overrides exactly as RunTask sent them, as ECS, its task state change events and CloudTrail do.
 */

const suite = motoDescribe();

const SECRET = 'f3a9c1d2e4b5a6978877665544332211';
const ENTRY = join(import.meta.dirname, '../../examples/apps/sessionplane-entry.mjs');

suite('session secrets sealed with KMS (moto) for the tasks of built apps', () => {
  let moto: Awaited<ReturnType<typeof startMoto>>;
  let kms: KMSClient;
  let keyArn: string;
  let ecs: ScriptedEcs;
  let runtime: EcsRuntime;
  const built = {
    ...fixtureApp([]),
    name: 'echo',
    build: '/repo/examples/apps',
    command: ['node', 'echo-ws.mjs', '--authKey', '${secret}'],
  };
  const custom = {
    ...fixtureApp([]),
    name: 'byo',
    image: 'ghcr.io/acme/base:1',
    customImage: true,
    command: ['app', '--key', '${secret}'],
  };
  const awsEnv = () => ({
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL_KMS: moto.endpoint,
    PATH: process.env.PATH ?? '',
  });

  beforeAll(async () => {
    moto = await startMoto();
    kms = new KMSClient({
      region: 'eu-west-1',
      endpoint: moto.endpoint,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    keyArn = (await kms.send(new CreateKeyCommand({ Description: 'session secrets' }))).KeyMetadata!.Arn!;
  }, 60_000);
  afterAll(async () => {
    kms?.destroy();
    await moto?.close();
  });
  beforeEach(() => {
    ecs = new ScriptedEcs();
    runtime = new EcsRuntime(ecs.client, {
      cluster: 'sessions',
      subnets: ['subnet-a'],
      securityGroups: ['sg'],
      taskFamilyPrefix: 'sessionplane-',
      containerName: 'app',
      appNames: () => ['echo', 'byo'],
      sealer: new KmsSecretSealer(kms, keyArn),
    });
  });

  it('no RunTask request, and no task description or event built from it, carries the secret: only ciphertext bound to the session', async () => {
    const session = makeSession({ app: 'echo' });
    const { runtimeId } = await runtime.start({ session, app: built, secret: SECRET });
    const run = ecs.mock.commandCalls(RunTaskCommand)[0]!.args[0].input;
    expect(JSON.stringify(run)).not.toContain(SECRET);
    const described = await ecs.client.send(new DescribeTasksCommand({ cluster: 'sessions', tasks: [runtimeId] }));
    expect(JSON.stringify(described)).not.toContain(SECRET);
    const container = run.overrides!.containerOverrides![0]!;
    const env = Object.fromEntries(container.environment!.map((e) => [e.name, e.value]));
    expect(env).not.toHaveProperty('SESSION_SECRET');
    expect(env.SESSIONPLANE_APP).toBe('echo');
    expect(container.command).toEqual(['node', 'echo-ws.mjs', '--authKey', SEALED_SECRET_PLACEHOLDER]);
    // KMS gives it back under the session's own context only.
    const blob = Buffer.from(env.SESSION_SECRET_SEALED!, 'base64');
    const { Plaintext } = await kms.send(
      new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: sealContext(session.id, 'echo') }),
    );
    expect(Buffer.from(Plaintext!).toString()).toBe(SECRET);
    await expect(
      kms.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: sealContext('0'.repeat(32), 'echo') })),
    ).rejects.toThrow();
    await expect(
      kms.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: sealContext(session.id, 'other') })),
    ).rejects.toThrow();
  });

  it("a user's own image has no entrypoint to unseal with, so it gets SESSION_SECRET as before (the README says so)", async () => {
    await runtime.start({ session: makeSession({ app: 'byo' }), app: custom, secret: SECRET });
    const run = ecs.mock.commandCalls(RunTaskCommand).at(-1)!.args[0].input;
    expect(JSON.stringify(run)).toContain(`"SESSION_SECRET","value":"${SECRET}"`);
  });

  const entry = (env: Record<string, string>, argv: string[]) =>
    new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const child = spawn(process.execPath, [ENTRY, ...argv], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.once('exit', (code) => resolve({ code, out, err }));
    });
  const PRINT = [
    '-e',
    'process.stdout.write(JSON.stringify({ env: process.env.SESSION_SECRET, arg: process.argv[1], sealed: process.env.SESSION_SECRET_SEALED ?? null }))',
  ];

  it('the image entrypoint unseals it with the task role, gives it to the app in its environment and command, and drops the ciphertext', async () => {
    const session = makeSession({ app: 'echo' });
    const sealed = await new KmsSecretSealer(kms, keyArn).seal(SECRET, session.id, 'echo');
    const r = await entry(
      { ...awsEnv(), SESSION_SECRET_SEALED: sealed, SESSION_ID: session.id, SESSIONPLANE_APP: 'echo' },
      [process.execPath, ...PRINT, SEALED_SECRET_PLACEHOLDER],
    );
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ env: SECRET, arg: SECRET, sealed: null });
  });

  it("another session's ciphertext does not unseal: the entrypoint exits 70 and says what failed, not the ciphertext", async () => {
    const sealed = await new KmsSecretSealer(kms, keyArn).seal(SECRET, 'a'.repeat(32), 'echo');
    const r = await entry(
      { ...awsEnv(), SESSION_SECRET_SEALED: sealed, SESSION_ID: 'b'.repeat(32), SESSIONPLANE_APP: 'echo' },
      [process.execPath, ...PRINT, 'x'],
    );
    expect(r.code).toBe(70);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/cannot unseal the session secret/);
    expect(r.err).not.toContain(sealed.slice(0, 20));
  });

  it('without a sealed secret (npm start), the entrypoint only runs the command, with its exit code', async () => {
    const r = await entry({ PATH: process.env.PATH ?? '', SESSION_SECRET: 'plain' }, [
      process.execPath,
      '-e',
      'process.exit(3)',
    ]);
    expect(r.code).toBe(3);
  });
});
