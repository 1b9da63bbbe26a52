import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createEcsClient } from '../../shared/adapters/runtime/ecs/ecs-client';
import { EcsRuntime } from '../../shared/adapters/runtime/ecs/ecs-runtime';
import { CapacityError } from '../../shared/domain/errors';
import { fixtureApp } from '../support/apps';
import { makeSession } from '../support/sessions';

/* The ECS runtime and ECS's throttling: what the SDK's standard retry rides out, and what it cannot (a busy error). */

const web = { ...fixtureApp([], { port: 8888 }), name: 'web', command: ['jupyter', 'lab', '--port', '${port}'] };

/** ECS's JSON protocol on a local socket: the real SDK client, its real retry strategy. */
describe('EcsRuntime through the SDK client of createEcsClient', () => {
  let server: Server;
  let endpoint: string;
  let throttles = 0;
  const calls: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c));
      req.on('end', () => {
        const target =
          String(req.headers['x-amz-target'] ?? '')
            .split('.')
            .pop() ?? '';
        calls.push(target);
        res.setHeader('content-type', 'application/x-amz-json-1.1');
        if (throttles > 0) {
          throttles--;
          res.writeHead(400).end(JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }));
          return;
        }
        const input = JSON.parse(body) as { clientToken?: string };
        const taskArn = `arn:aws:ecs:eu-west-1:123456789012:task/sessions/${input.clientToken ?? 'x'}`;
        res.writeHead(200).end(JSON.stringify({ tasks: [{ taskArn, lastStatus: 'PROVISIONING' }], failures: [] }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => {
    calls.length = 0;
    throttles = 0;
  });

  const runtime = (maxAttempts?: number) =>
    new EcsRuntime(createEcsClient({ region: 'eu-west-1', endpoint, ...(maxAttempts ? { maxAttempts } : {}) }), {
      cluster: 'sessions',
      subnets: ['subnet-a'],
      securityGroups: ['sg'],
      taskFamilyPrefix: 'sessionplane-',
      containerName: 'app',
      appNames: () => ['web'],
    });

  it('rides out throttling with the SDK backoff: two throttles, then the task', async () => {
    throttles = 2;
    const session = makeSession();
    const started = await runtime().start({ session, app: web, secret: 's' });
    expect(started.runtimeId).toBe(`arn:aws:ecs:eu-west-1:123456789012:task/sessions/${session.id}`);
    // What the session's event log hears of it: ECS took the task and is placing it.
    expect(started.phases?.map((p) => p.phase)).toEqual(['placed']);
    expect(calls).toEqual(['RunTask', 'RunTask', 'RunTask']);
  });

  it('gives up after the configured attempts with a busy error that counts them', async () => {
    throttles = 10;
    const error = await runtime(2)
      .start({ session: makeSession(), app: web, secret: 's' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CapacityError);
    expect((error as CapacityError).message).toBe('ECS RunTask is busy: ThrottlingException after 2 attempts.');
    expect(calls).toEqual(['RunTask', 'RunTask']);
  });
});
