import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTaskDefinitionCommand, ListTasksCommand, RunTaskCommand } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smartConnect } from '../support/browser-globals';
import { freePort } from '../support/dynamodb-local';
import { CLUSTER_ARN } from '../support/ecs-events';
import { httpApiEvent } from '../support/lambda-events';
import { testJwt } from '../support/test-jwt';
import { homeName } from '../../shared/domain/homes';
import { moto523Missing } from '../support/moto-523';
import { ACCOUNT, deployOnMoto, type MotoDeployment, REGION, REPOSITORY_URI } from '../support/moto-deployment';
import { iamReport } from '../support/iam-report';
import { UNUSED_GRANTS } from '../support/iam-unused-grants';
import { journeyApps, LICENCE_PARAMETER } from '../support/journey-apps';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { waitFor } from '../support/wait';
import { openWs, roundTrip } from '../support/ws';

/*
 * The whole journey on AWS's shape, on this machine: the Lambda bundles exactly as `cdk synth` writes them (each a
 * warm process with its template environment), the router service, and the task-events, reaper and pools functions
 * composed as the stack composes them, against moto 5.2.3 (ECS, KMS, EFS, ECR) and the embedded DynamoDB. moto runs
 * no container: LoopbackEcsAgent plays the ECS agent and EventBridge (each task a process of its image, each change
 * an "ECS Task State Change" event to the task-events function). One app of each kind: plain (an image of its own),
 * built by the stack (its secret sealed with KMS, unsealed by its entrypoint), home (an EFS access point per user),
 * pooled (a warm task claimed), and a user's own image from the stack's repository.
 */

type Answer = { statusCode: number; body: string; headers?: Record<string, string> };
const json = (a: Answer) => JSON.parse(a.body) as Record<string, unknown>;
const LICENCE = `lic-${randomBytes(12).toString('hex')}`;
const claimsOf = (user: string) => ({ sub: user, 'cognito:groups': '[users]' });

const missing = moto523Missing();
const suite = missing ? describe.skip : describe;

suite(`The journey on AWS's shape: moto 5.2.3, the bundles, the router${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let d: MotoDeployment;
  let dir: string;
  const api = async (user: string, method: string, path: string, body?: unknown): Promise<Answer> => {
    const fn = method === 'GET' ? 'api-read' : 'api-write';
    return d.fns[fn]!.invoke<Answer>(
      httpApiEvent(method, path, { claims: claimsOf(user), ...(body ? { body: JSON.stringify(body) } : {}) }),
    );
  };
  /** The agent's events since the last step, each delivered to task-events; their outcomes. */
  const deliver = async () => {
    const outcomes: string[] = [];
    for (const event of await d.agent.sync())
      outcomes.push((await d.fns['task-events']!.invoke<{ outcome: string }>(event)).outcome);
    return outcomes;
  };
  /** Through the router, as a client that was given `url`. */
  const throughRouter = (url: string) => {
    const u = new URL(url);
    return `${d.router.base.replace('http', 'ws')}${u.pathname}${u.search}`;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sp-journey-'));
    const appsFile = join(dir, 'apps.yml');
    writeFileSync(appsFile, journeyApps(await freePort()));
    // IAM enforced in moto: each function and task calls with its own role's credentials (actions checked there).
    // One job at a time per user: a second waits in the queue (the queue leg).
    d = await deployOnMoto(appsFile, {
      enforceIam: true,
      functionEnv: { SESSIONPLANE_MAX_JOBS_PER_USER: '1' },
      // The licence the `licensed` app reads by reference: an SSM SecureString, made before the deploy.
      prepare: async (endpoint) => {
        const ssm = new SSMClient({
          region: REGION,
          endpoint,
          credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        });
        await ssm.send(new PutParameterCommand({ Name: LICENCE_PARAMETER, Value: LICENCE, Type: 'SecureString' }));
        ssm.destroy();
        return undefined;
      },
    });
  }, 240_000);

  afterAll(async () => {
    await d?.close();
    for (const x of [dir, d?.stack.outdir]) if (x) rmSync(x, { recursive: true, force: true });
  });

  it('catalog: GET /apps (api-catalog) offers the eight apps; the image catalog reads the repository', async () => {
    const apps = await d.fns['api-catalog']!.invoke<Answer>(
      httpApiEvent('GET', '/apps', { claims: claimsOf('alice') }),
    );
    expect((json(apps).apps as { name: string }[]).map((a) => a.name).sort()).toEqual([
      'batch',
      'built',
      'custom',
      'idle',
      'licensed',
      'notes',
      'plain',
      'pooled',
    ]);
    expect(await d.fns['image-catalog']!.invoke({})).toEqual({ images: 0, iconsDropped: 0 });
  });

  /** Launches `app` as `user`, delivers its task's RUNNING event, and answers the READY session. */
  const launchReady = async (user: string, body: Record<string, unknown>) => {
    const launched = await api(user, 'POST', '/sessions', body);
    expect(launched.statusCode, launched.body).toBe(202);
    const id = String(json(launched).id);
    // A task whose app never listens is probed until its launch deadline (minutes): say why meanwhile.
    const timer = setTimeout(() => console.log('not READY after 20 s; the tasks:', d.agent.processes()), 20_000);
    expect(await deliver()).toEqual(['ready']);
    clearTimeout(timer);
    const ready = json(await api(user, 'GET', `/sessions/${id}`));
    expect(ready).toMatchObject({ id, status: 'READY' });
    return { id, launched: json(launched), ready };
  };
  const echoes = async (url: string) => {
    const ws = await openWs(throughRouter(url));
    try {
      return (await roundTrip(ws, 'hello from the journey')).toString() === 'hello from the journey';
    } finally {
      ws.close();
    }
  };
  /** Stops `id` as its owner; ECS's STOPPED event delivered; the session's final record. */
  const stopped = async (user: string, id: string) => {
    const stop = await api(user, 'DELETE', `/sessions/${id}`);
    expect(stop.statusCode, stop.body).toBeLessThan(300);
    expect(await deliver()).toEqual(['stopped']);
    return json(await api(user, 'GET', `/sessions/${id}`));
  };

  it('plain: launch → RUNNING event → READY → through the router → shared with bob → only alice stops it → STOPPED', async () => {
    const { id, ready } = await launchReady('alice', { app: 'plain' });
    expect(await echoes(String(ready.sessionURL))).toBe(true);
    const share = await api('alice', 'POST', `/sessions/${id}/shares`, { user: 'bob' });
    expect(share.statusCode, share.body).toBe(201);
    const his = json(await api('bob', 'GET', `/sessions/${id}`));
    // bob's list has it (the grantee index), and alice reads its output (CloudWatch Logs).
    expect(JSON.stringify(json(await api('bob', 'GET', '/sessions')))).toContain(id);
    const logs = await api('alice', 'GET', `/sessions/${id}/logs`);
    expect(logs.statusCode, logs.body).toBeLessThan(500);
    expect(his.sessionURL).not.toBe(ready.sessionURL);
    expect(await echoes(String(his.sessionURL))).toBe(true);
    // A grantee uses it; only its owner (or an admin) stops it, at this door too.
    expect((await api('bob', 'DELETE', `/sessions/${id}`)).statusCode).toBe(403);
    expect(await d.agent.sync()).toEqual([]);
    expect(await stopped('alice', id)).toMatchObject({ status: 'STOPPED' });
    // Its token no longer opens anything.
    await expect(echoes(String(ready.sessionURL))).rejects.toThrow();
  });

  it('built: the stack-built image unseals its secret with KMS (the task role’s context) and the wslink client says hello through the router', async () => {
    const { id, launched, ready } = await launchReady('alice', { app: 'built' });
    const session = await smartConnect(d.router.base, {
      sessionURL: throughRouter(String(ready.sessionURL)),
      secret: String(launched.secret),
    });
    expect(await session.call('app.add', [2, 3])).toBe(5);
    session.destroy();
    expect(await stopped('alice', id)).toMatchObject({ status: 'STOPPED' });
  });

  it("home: the first launch makes alice's access point; her task runs in a revision that mounts it at /home/user", async () => {
    const { id } = await launchReady('alice', { app: 'notes' });
    const task = d.agent.processes().at(-1)!;
    const definition = await d.agent.definitionOf(task.taskArn);
    const volume = definition.volumes!.find((v) => v.efsVolumeConfiguration)!;
    expect(volume.efsVolumeConfiguration).toMatchObject({
      fileSystemId: expect.stringMatching(/^fs-/),
      transitEncryption: 'ENABLED',
      authorizationConfig: { accessPointId: expect.stringMatching(/^fsap-/), iam: 'ENABLED' },
    });
    expect(definition.containerDefinitions![0]!.mountPoints).toEqual([
      expect.objectContaining({ sourceVolume: volume.name, containerPath: '/home/user' }),
    ]);
    // The deployed revision is left as it was; the user's is a revision of the same family.
    expect(definition.family).toBe('sessionplane-notes');
    expect(definition.revision).toBeGreaterThan(1);
    expect(
      await echoes(String((json(await api('alice', 'GET', `/sessions/${id}`)) as { sessionURL: string }).sessionURL)),
    ).toBe(true);
    expect(await stopped('alice', id)).toMatchObject({ status: 'STOPPED' });
    // Her next launch finds the access point she has.
    const again = await launchReady('alice', { app: 'notes' });
    const next = await d.agent.definitionOf(d.agent.processes().at(-1)!.taskArn);
    expect(next.volumes!.find((v) => v.efsVolumeConfiguration)!.efsVolumeConfiguration!.authorizationConfig).toEqual(
      volume.efsVolumeConfiguration!.authorizationConfig,
    );
    expect(await stopped('alice', again.id)).toMatchObject({ status: 'STOPPED' });
  });

  it('pooled: the keeper starts a warm task; a launch claims it with no RunTask of its own; the keeper refills', async () => {
    const scheduled = { 'detail-type': 'Scheduled Event', source: 'aws.events' };
    expect(await d.fns.pools!.invoke(scheduled)).toMatchObject({ started: 1 });
    expect(await deliver()).toEqual(['ready']);
    const tasksBefore = (await d.ecs.send(new ListTasksCommand({ cluster: CLUSTER_ARN }))).taskArns!.length;
    const launched = await api('alice', 'POST', '/sessions', { app: 'pooled' });
    expect(launched.statusCode, launched.body).toBeLessThan(300);
    const id = String(json(launched).id);

    expect(json(launched).status).toBe('READY');
    expect(await deliver()).toEqual([]);
    expect((await d.ecs.send(new ListTasksCommand({ cluster: CLUSTER_ARN }))).taskArns).toHaveLength(tasksBefore);
    expect(await echoes(String(json(await api('alice', 'GET', `/sessions/${id}`)).sessionURL))).toBe(true);
    expect(await d.fns.pools!.invoke(scheduled)).toMatchObject({ started: 1 });
    expect(await deliver()).toEqual(['ready']);
    expect(await stopped('alice', id)).toMatchObject({ status: 'STOPPED' });
  });

  it("custom image: a launch names an image of the stack's repository and runs in its registry revision; another registry's is refused", async () => {
    const refused = await api('alice', 'POST', '/sessions', { app: 'custom', image: 'docker.io/someone/miner:1' });
    expect(refused.statusCode, refused.body).toBe(403);
    expect(refused.headers?.['content-type']).toContain('application/problem+json');
    expect(await d.agent.sync()).toEqual([]);
    const image = `${REPOSITORY_URI}:v1`;
    const { id } = await launchReady('alice', { app: 'custom', image });
    const definition = await d.agent.definitionOf(d.agent.processes().at(-1)!.taskArn);
    expect(definition.containerDefinitions![0]!.image).toBe(image);
    expect(definition.family).toBe('sessionplane-custom');
    expect(await echoes(String(json(await api('alice', 'GET', `/sessions/${id}`)).sessionURL))).toBe(true);
    expect(await stopped('alice', id)).toMatchObject({ status: 'STOPPED' });
  });

  it("usage: alice's month counts each of her sessions; the reaper's pass finds nothing wrong and leaves the warm task", async () => {
    const usage = json(await api('alice', 'GET', '/usage'));
    // plain, built, notes (twice), pooled and custom: each a session of hers, each billed for its time.
    expect(usage.totals).toMatchObject({ sessions: 6 });
    expect((usage.totals as { vcpuHours: number }).vcpuHours).toBeGreaterThan(0);
    const reaped = await d.fns.reaper!.invoke<Record<string, unknown>>({
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      time: new Date().toISOString(),
    });
    expect(reaped).toMatchObject({ errors: 0, unfinished: 0, orphansStopped: 0 });
    expect(await d.agent.sync()).toEqual([]);
  });

  it('a crash: a shared session whose app exits ends with its exit code, and leaves bob’s list', async () => {
    const { id } = await launchReady('alice', { app: 'plain' });
    expect((await api('alice', 'POST', `/sessions/${id}/shares`, { user: 'bob' })).statusCode).toBe(201);
    await d.agent.crash(d.agent.processes().at(-1)!.taskArn);
    expect(await deliver()).toEqual(['stopped']);
    // It had been READY: it stopped (not failed), and says how: ECS's reason and the container's exit code.
    expect(json(await api('alice', 'GET', `/sessions/${id}`))).toMatchObject({
      status: 'STOPPED',
      statusReason: 'app-exited: EssentialContainerExited: Essential container in task exited (exit code 137)',
    });
    expect(JSON.stringify(json(await api('bob', 'GET', '/sessions')))).not.toContain(id);
  });

  it('an orphan: a task of this deployment with no session is stopped by task-events at its first event', async () => {
    const orphan = await d.ecs.send(
      new RunTaskCommand({
        cluster: CLUSTER_ARN,
        taskDefinition: 'sessionplane-plain',
        startedBy: `sp-${'0'.repeat(31)}1`,
        capacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
        networkConfiguration: {
          awsvpcConfiguration: { subnets: d.network.subnets, securityGroups: [d.network.securityGroup] },
        },
      }),
    );
    expect(orphan.tasks).toHaveLength(1);
    expect(await deliver()).toEqual(['orphan-stopped']);
    expect(await deliver()).toEqual(['ignored']);
  });

  it('idle: scheduled reaper passes warn, then stop, a session nobody uses; its task stops', async () => {
    const { id } = await launchReady('alice', { app: 'idle' });
    const outcomes: string[] = [];
    await waitFor(
      async () => {
        const pass = await d.fns.reaper!.invoke<Record<string, unknown>>({ 'detail-type': 'Scheduled Event' });
        expect(pass).toMatchObject({ errors: 0 });
        outcomes.push(...(await deliver()));
        return outcomes.includes('stopped');
      },
      60_000,
      'the idle session stopped by the reaper',
    );
    expect(json(await api('alice', 'GET', `/sessions/${id}`))).toMatchObject({
      status: 'STOPPED',
      statusReason: 'idle',
    });
  });

  it("the queue: a job over its owner's cap waits QUEUED; the queue function, woken by the stream's record of the first one's end, starts it", async () => {
    const first = await api('carol', 'POST', '/sessions', { app: 'batch', params: { ITEMS: 3, ITEM_MS: 500 } });
    expect(first.statusCode, first.body).toBe(202);
    const second = await api('carol', 'POST', '/sessions', { app: 'batch' });
    expect(second.statusCode, second.body).toBe(202);
    expect(json(second)).toMatchObject({ status: 'QUEUED' });
    const [one, two] = [String(json(first).id), String(json(second).id)];
    expect(json(await api('carol', 'GET', `/sessions/${two}`))).toMatchObject({ queue: { place: 1, of: 1 } });
    // A pass while the first runs: no room (the cap), so it waits on.
    expect(await d.fns.queue!.invoke({ 'detail-type': 'Scheduled Event' })).toMatchObject({ started: 0, waiting: 1 });
    const status = async (id: string) => String(json(await api('carol', 'GET', `/sessions/${id}`)).status);
    await waitFor(
      async () => {
        await deliver();
        return (await status(one)) === 'COMPLETED';
      },
      60_000,
      'the first job to complete',
    );
    // Its end's record on the table's stream, as Lambda's event source mapping hands it over (the filter let it pass).
    const streamed = { Records: [{ eventName: 'MODIFY', dynamodb: { NewImage: { status: { S: 'COMPLETED' } } } }] };
    expect(await d.fns.queue!.invoke(streamed)).toMatchObject({ started: 1, waiting: 0 });
    await waitFor(
      async () => {
        await deliver();
        return (await status(two)) === 'COMPLETED';
      },
      60_000,
      'the queued job to run and complete',
    );
    const events = json(await api('carol', 'GET', `/sessions/${two}/events`)).events as { message: string }[];
    expect(events.map((e) => e.message)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^Waiting in the queue, 1st/), 'Its turn in the queue came.']),
    );
  });

  it("a secret by reference: ECS reads the SSM parameter with the app's execution role at the task's start; the app gets it, no answer or RunTask holds it", async () => {
    const launched = await api('dave', 'POST', '/sessions', { app: 'licensed' });
    expect(launched.statusCode, launched.body).toBe(202);
    const id = String(json(launched).id);
    await waitFor(
      async () => {
        await deliver();
        return json(await api('dave', 'GET', `/sessions/${id}`)).status === 'COMPLETED';
      },
      60_000,
      'the licensed job to complete',
    );
    const logs = await api('dave', 'GET', `/sessions/${id}/logs`);
    expect(logs.body).toContain(`LICENCE ${createHash('sha256').update(LICENCE).digest('hex')}`);
    // In the task definition's secrets, by ARN only; never in what the functions sent ECS or answered.
    const { taskDefinition: definition } = await d.ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: 'sessionplane-licensed' }),
    );
    expect(definition!.containerDefinitions![0]!.secrets).toEqual([
      { name: 'LICENCE', valueFrom: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter${LICENCE_PARAMETER}` },
    ]);
    const seen = [launched.body, logs.body, (await api('dave', 'GET', `/sessions/${id}`)).body];
    // Every principal's AWS calls but the platform's own read of it (ECS, as the execution role: the agent's `tasks`).
    for (const [who, calls] of Object.entries(d.calls).filter(([w]) => w !== 'tasks'))
      expect(JSON.stringify(calls).includes(LICENCE), `${who}'s calls hold the licence`).toBe(false);
    for (const text of seen) expect(text).not.toContain(LICENCE);
  });

  it("a personal token: made by api-write, it lists carol's sessions through api-read (each with its role's rights), and is refused once revoked", async () => {
    const made = await api('carol', 'POST', '/tokens', { name: 'laptop' });
    expect(made.statusCode, made.body).toBe(201);
    const { id, token } = json(made) as { id: string; token: string };
    const withToken = (method: string, path: string) =>
      d.fns[method === 'GET' ? 'api-read' : 'api-write']!.invoke<Answer>(
        httpApiEvent(method, path, { claims: null, headers: { authorization: `Bearer ${token}` } }),
      );
    const launched = await withToken('POST', '/sessions');
    expect(launched.statusCode).toBe(400); // no body: the API's own answer to carol, not a gateway's 401
    const listed = await withToken('GET', '/tokens');
    expect(listed.statusCode).toBe(200);
    expect(json(listed).tokens).toEqual([expect.objectContaining({ id, name: 'laptop' })]);
    expect((await api('carol', 'DELETE', `/tokens/${id}`)).statusCode).toBe(204);
    expect((await withToken('GET', '/sessions')).statusCode).toBe(401);
  });

  it("files (#38): api-read sends /homes/me/files to the router, whose files service serves it with the router task's role", async () => {
    const sent = await api('erin', 'GET', '/homes/me/files/results?x=1');
    expect(sent.statusCode).toBe(307);
    const location = `${d.router.base}/homes/me/files/results?x=1`;
    expect(sent.headers?.location).toBe(location);
    // There, with the same credential: a JWT of the issuer (the files service verifies it), then a personal token.
    const bearer = { authorization: `Bearer ${testJwt({ sub: 'erin' })}` };
    const put = await fetch(`${d.router.base}/homes/me/files/results/table.csv`, {
      method: 'PUT',
      headers: bearer,
      body: 'a,b\n',
    });
    expect(put.status, await put.clone().text()).toBe(201);
    expect(await (await fetch(`${d.router.base}/homes/me/files/results/table.csv`, { headers: bearer })).text()).toBe(
      'a,b\n',
    );
    const made = json(await api('erin', 'POST', '/tokens', { name: 'files' })) as { token: string };
    const listed = await fetch(`${d.router.base}/homes/me/files/results`, {
      headers: { authorization: `Bearer ${made.token}` },
    });
    expect(((await listed.json()) as { entries: { name: string }[] }).entries.map((e) => e.name)).toEqual([
      'table.csv',
    ]);
    expect(readdirSync(join(d.files.homesDir, homeName('erin'), 'results'))).toEqual(['table.csv']);
  });

  it('IAM: every AWS call each principal made is allowed by its own role as synthesized (offline IAM evaluation)', async () => {
    const reports = await iamReport(d);
    for (const r of reports)
      console.log(
        `${r.who.padEnd(44)} ${String(r.calls).padStart(4)} calls ${String(r.requests).padStart(4)} authorizations, ${r.denied.length} denied; unused: ${r.unused.join(', ') || '-'}`,
      );
    expect(reports.flatMap((r) => r.denied.map((v) => ({ who: r.who, ...v })))).toEqual([]);
    // Every principal made calls, and every grant it did not call is explained.
    expect(reports.filter((r) => r.calls === 0).map((r) => r.who)).toEqual([]);
    const unexplained = Object.fromEntries(
      reports.map((r) => {
        const why = Object.entries(UNUSED_GRANTS).find(([who]) => r.who.startsWith(who))?.[1] ?? {};
        return [r.who, r.unused.filter((a) => !why[a])];
      }),
    );
    expect(Object.fromEntries(Object.entries(unexplained).filter(([, a]) => a.length))).toEqual({});
  });

  it('IAM: the evaluation fails when a policy is wrong: a planted table ARN, a planted cluster condition', async () => {
    const denied = async (who: string, from: string, to: string) => {
      const reports = await iamReport(d, (w, policies) =>
        w === who ? (JSON.parse(JSON.stringify(policies).replaceAll(from, to)) as typeof policies) : policies,
      );
      return reports.find((r) => r.who === who)!.denied.map((v) => v.request.action);
    };
    // api-read's table grants on a table of another name: every read it made is denied.
    expect(await denied('api-read', 'table/sessions', 'table/sessions-old')).toContain('dynamodb:GetItem');
    // api-write's RunTask conditioned on another cluster: its RunTasks are denied, nothing else.
    expect(new Set(await denied('api-write', 'cluster/sessionplane"', 'cluster/other"'))).toEqual(
      new Set(['ecs:RunTask']),
    );
  });
});
