import {
  CreateClusterCommand,
  DescribeTasksCommand,
  type ECSClient,
  InvalidParameterException,
  RegisterTaskDefinitionCommand,
  type RunTaskCommandInput,
  StopTaskCommand,
} from '@aws-sdk/client-ecs';
import { describe, it } from 'vitest';
import { createEcsClient } from '../../shared/adapters/runtime/ecs/ecs-client';
import { EcsRuntime } from '../../shared/adapters/runtime/ecs/ecs-runtime';
import { fixtureApp } from '../support/apps';
import { ECHO_BASE } from '../support/task-definitions';
import { moto523Missing, motoNetwork, startMoto523 } from '../support/moto-523';
import { runtimeContract } from './runtime.contract';

/**
 * #36: the Runtime contract (the one the local runtimes pass) for the ECS adapter against moto 5.2.3's ECS, in the
 * stack's network shape: a VPC with DNS hostnames, real subnets in two zones, the sessions' security group, a cluster
 * with the FARGATE and FARGATE_SPOT capacity providers and the app's awsvpc task definition.
 *
 * Where moto differs from AWS, in this one place:
 * - moto ignores RunTask's clientToken; AWS answers a retried RunTask with the same token with the task it started.
 *   A middleware on the adapter's client gives that answer (the adapter's retry path is what runs).
 * - moto answers StopTask of a task it does not know with a 500 (a KeyError); AWS with InvalidParameterException
 *   "The referenced task was not found.", which the same middleware gives.
 * - moto runs no containers, and by default moves a task one status on at each DescribeTasks (RUNNING, then on to
 *   STOPPED); here a task stays RUNNING until it is stopped, as a session's does, and a crash is a StopTask with the
 *   reason ECS gives when the essential container exits.
 * - moto places a task by its containers' own memory (a TypeError without it); the stack's Fargate containers have
 *   only the task's, as AWS allows, so the container here states the task's 512 MiB too.
 */
function asAws(client: ECSClient): ECSClient {
  const started = new Map<string, unknown>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'StopTaskCommand')
        return next(args).catch((error: { $metadata?: { httpStatusCode?: number } }) => {
          if (error.$metadata?.httpStatusCode !== 500) throw error;
          throw new InvalidParameterException({ message: 'The referenced task was not found.', $metadata: {} });
        });
      const token = (args.input as RunTaskCommandInput).clientToken;
      if (context.commandName !== 'RunTaskCommand' || !token) return next(args);
      if (started.has(token)) return { output: started.get(token), response: {} } as Awaited<ReturnType<typeof next>>;
      const result = await next(args);
      started.set(token, result.output);
      return result;
    },
    { step: 'initialize', name: 'motoClientTokens' },
  );
  return client;
}

const missing = moto523Missing();
if (missing)
  describe.skip(`Runtime contract: ECS on moto 5.2.3 (skipped: ${missing})`, () => {
    it('runs where ../shared/tools holds moto 5.2.3', () => {});
  });
else
  runtimeContract('ECS on moto 5.2.3 (the stack’s network shape)', async () => {
    const moto = await startMoto523();
    const net = await motoNetwork(moto.endpoint);
    // A task stays RUNNING until stopped (moto's default moves it on at every DescribeTasks).
    await fetch(`${moto.endpoint}/moto-api/state-manager/set-transition`, {
      method: 'POST',
      body: JSON.stringify({ model_name: 'ecs::task', transition: { progression: 'manual', times: 1_000_000 } }),
    });
    const raw = createEcsClient({ region: 'us-east-1', endpoint: moto.endpoint, maxAttempts: 1 });
    await raw.send(
      new CreateClusterCommand({ clusterName: 'sessions', capacityProviders: ['FARGATE', 'FARGATE_SPOT'] }),
    );
    // The echo app's task definition as the stack makes it, in family `sp-web` (the container's memory: see above).
    await raw.send(
      new RegisterTaskDefinitionCommand({
        ...ECHO_BASE,
        family: 'sp-web',
        containerDefinitions: ECHO_BASE.containerDefinitions.map((c) => ({ ...c, memory: 512 })),
      }),
    );
    const client = asAws(createEcsClient({ region: 'us-east-1', endpoint: moto.endpoint, maxAttempts: 1 }));
    const options = {
      cluster: 'sessions',
      subnets: net.subnets,
      securityGroups: [net.securityGroup],
      taskFamilyPrefix: 'sp-',
      containerName: 'app',
      appNames: () => ['web'],
    };
    return {
      runtime: new EcsRuntime(client, options),
      app: { ...fixtureApp([], { port: 8080 }), name: 'web', command: [] },
      crash: async (runtimeId) => {
        await raw.send(
          new StopTaskCommand({ cluster: 'sessions', task: runtimeId, reason: 'Essential container in task exited' }),
        );
      },
      restarted: async () => ({ runtime: new EcsRuntime(client, options), strays: [] }),
      resourcesSeen: async (runtimeId) => {
        const task = (await raw.send(new DescribeTasksCommand({ cluster: 'sessions', tasks: [runtimeId] }))).tasks![0]!;
        const overrides = task.overrides ?? {};
        const env = Object.fromEntries(
          (overrides.containerOverrides?.[0]?.environment ?? []).map((e) => [e.name!, e.value!]),
        );
        return {
          cpu: Number(overrides.cpu ?? task.cpu) / 1024,
          memory: Number(overrides.memory ?? task.memory),
          env,
        };
      },
      // Readiness on ECS is the task-events function's probe (its own tests).
      readiness: [],
      teardown: async () => {
        raw.destroy();
        client.destroy();
        await moto.close();
      },
    };
  }, []);
