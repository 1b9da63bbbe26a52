import { RunTaskCommand } from '@aws-sdk/client-ecs';
import { EcsRuntime } from '../../shared/adapters/runtime/ecs/ecs-runtime';
import { fixtureApp } from '../support/apps';
import { ScriptedEcs } from '../support/scripted-ecs';
import { runtimeContract } from './runtime.contract';

runtimeContract('ECS (scripted with aws-sdk-client-mock)', async () => {
  const ecs = new ScriptedEcs();
  const app = { ...fixtureApp([], { port: 8080 }), name: 'web', command: [] };
  const options = {
    cluster: 'sessions',
    subnets: ['subnet-1'],
    securityGroups: ['sg-1'],
    taskFamilyPrefix: 'sp-',
    containerName: 'app',
    appNames: () => ['web'],
  };
  const runtime = new EcsRuntime(ecs.client, options);
  return {
    runtime,
    app,
    tick: async () => ecs.tick(),
    crash: async (runtimeId) => ecs.exit(runtimeId, 137, 'OutOfMemoryError'),
    restarted: async () => ({ runtime: new EcsRuntime(ecs.client, options), strays: [] }),
    resourcesSeen: async (runtimeId) => {
      // What RunTask asked of ECS for this task: the task size and the container's environment.
      const call = ecs.mock
        .commandCalls(RunTaskCommand)
        .find((c) => ecs.tasks.get(runtimeId)?.startedBy === c.args[0].input.startedBy)!;
      const overrides = call.args[0].input.overrides!;
      const env = Object.fromEntries(
        (overrides.containerOverrides?.[0]?.environment ?? []).map((e) => [e.name!, e.value!]),
      );
      return { cpu: Number(overrides.cpu) / 1024, memory: Number(overrides.memory), env };
    },
    // Readiness on ECS is the task-events function's probe (test/unit/functions/task-events.test.ts).
    readiness: [],
    teardown: async () => ecs.mock.restore(),
  };
}, []);
