import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { statements, synthStack } from '../support/infra';

/** #14: a default `cdk deploy` (the example apps file) offers the demo apps, and they can launch. */
describe('the CDK stack with the default apps file', () => {
  it('builds the demo apps as image assets, gives each a task definition, grants RunTask on them, and warns of nothing', () => {
    const { template, stack } = synthStack({ appsFile: 'examples/apps/apps.yml' });
    const defs = template.findResources('AWS::ECS::TaskDefinition');
    const families = Object.values(defs).map((d) => (d as { Properties: { Family?: string } }).Properties.Family);
    expect(families).toEqual(expect.arrayContaining(['sessionplane-echo', 'sessionplane-hello', 'sessionplane-wslink']));
    for (const family of ['sessionplane-echo', 'sessionplane-hello', 'sessionplane-wslink']) {
      const def = Object.values(defs).find((d) => (d as { Properties: { Family?: string } }).Properties.Family === family) as {
        Properties: { ContainerDefinitions: { Image: unknown; User: string }[] };
      };
      // An image asset: pushed to the bootstrap's container-assets repository at deploy, not a registry name.
      expect(JSON.stringify(def.Properties.ContainerDefinitions[0]!.Image)).toContain('container-assets');
      expect(def.Properties.ContainerDefinitions[0]!.User).toBe('1000');
    }
    // The function that launches may run exactly these task definitions.
    const runTask = statements(template).filter(({ statement }) => [statement.Action].flat().includes('ecs:RunTask'));
    expect(runTask).not.toHaveLength(0);
    const resources = JSON.stringify(runTask.map(({ statement }) => statement.Resource));
    for (const app of ['echo', 'hello', 'wslink']) expect(resources).toContain(`task-definition/sessionplane-${app}:*`);
    // Every demo app can run on ECS: no "cannot run it" warning for any of them.
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('has no image'))).toHaveLength(0);
  }, 120_000);
});
