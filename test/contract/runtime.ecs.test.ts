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
    retry: { attempts: 3, baseDelayMs: 1 },
  };
  const runtime = new EcsRuntime(ecs.client, options);
  return {
    runtime,
    app,
    tick: async () => ecs.tick(),
    crash: async (runtimeId) => ecs.exit(runtimeId, 137, 'OutOfMemoryError'),
    restarted: async () => ({ runtime: new EcsRuntime(ecs.client, options), strays: [] }),
    teardown: async () => ecs.mock.restore(),
  };
});
