import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { actionsOf, statements, synthStack } from '../support/infra';

/** #14: a default `cdk deploy` (the example apps file) offers the demo apps, and they can launch. */
describe('the CDK stack with the default apps file', () => {
  it('builds the demo apps as image assets, gives each a task definition, grants RunTask on them, and warns of nothing', () => {
    const { template, stack } = synthStack({ appsFile: 'examples/apps/apps.yml' });
    const defs = template.findResources('AWS::ECS::TaskDefinition');
    const families = Object.values(defs).map((d) => (d as { Properties: { Family?: string } }).Properties.Family);
    expect(families).toEqual(
      expect.arrayContaining(['sessionplane-echo', 'sessionplane-hello', 'sessionplane-wslink']),
    );
    for (const family of ['sessionplane-echo', 'sessionplane-hello', 'sessionplane-wslink']) {
      const def = Object.values(defs).find(
        (d) => (d as { Properties: { Family?: string } }).Properties.Family === family,
      ) as {
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
    for (const app of ['echo', 'hello', 'wslink', 'reduce'])
      expect(resources).toContain(`task-definition/sessionplane-${app}:*`);
    // Every demo app can run on ECS: no "cannot run it" warning for any of them.
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('has no image'))).toHaveLength(0);
  }, 120_000);

  it("pins each app's deployed revision for api-write, and grants the registry exactly what it uses", () => {
    const { template } = synthStack({ appsFile: 'examples/apps/apps.yml' });
    const fns = Object.values(template.findResources('AWS::Lambda::Function')) as {
      Properties: { Environment?: { Variables?: Record<string, unknown> }; Role: unknown };
    }[];
    // api-write, the pool keeper, the queue, task-events and the reaper: one map, so each computes the same pool spec
    // hashes.
    const withPins = fns.filter((f) => f.Properties.Environment?.Variables?.SESSIONPLANE_TASK_DEFINITIONS);
    expect(withPins).toHaveLength(5);
    const pins = JSON.stringify(withPins[0]!.Properties.Environment!.Variables!.SESSIONPLANE_TASK_DEFINITIONS);
    for (const f of withPins)
      expect(JSON.stringify(f.Properties.Environment!.Variables!.SESSIONPLANE_TASK_DEFINITIONS)).toBe(pins);
    // {"echo": <family:revision of the echo task definition's ARN>, …}, resolved by CloudFormation at deploy.
    for (const app of ['echo', 'hello', 'wslink', 'reduce']) expect(pins).toContain(`\\"${app}\\":\\"`);
    expect(pins).toContain('task-definition/');

    const all = statements(template);
    const of = (action: string) => all.filter(({ statement }) => actionsOf(statement).includes(action));
    const roleOf = (action: string) => [...new Set(of(action).map(({ policy }) => policy))];
    // api-write, the pool keeper (a labelled app's pool registers its image's revision too) and the queue (a waiting
    // launch of a user's image or home runs in a registry revision).
    const register = of('ecs:RegisterTaskDefinition');
    expect(register).toHaveLength(3);
    for (const { statement } of register)
      expect(statement.Condition).toEqual({
        StringEquals: { 'aws:RequestTag/sessionplane:registry': 'image' },
        StringLike: { 'aws:RequestTag/sessionplane:app': '*' },
        'ForAllValues:StringEquals': { 'aws:TagKeys': ['sessionplane:app', 'sessionplane:registry'] },
      });
    // Tags only as part of a registration, and only on our families.
    const tagging = of('ecs:TagResource').filter(({ statement }) =>
      JSON.stringify(statement.Condition).includes('RegisterTaskDefinition'),
    );
    expect(tagging).toHaveLength(3);
    for (const { statement } of tagging)
      for (const app of ['echo', 'hello', 'wslink', 'reduce'])
        expect(JSON.stringify(statement.Resource)).toContain(`task-definition/sessionplane-${app}:*`);
    // The same role registers, describes and runs; only the reaper deregisters.
    expect(roleOf('ecs:DescribeTaskDefinition')).toEqual(roleOf('ecs:RegisterTaskDefinition'));
    expect(roleOf('ecs:RunTask')).toEqual(roleOf('ecs:RegisterTaskDefinition'));
    expect(roleOf('ecs:DeregisterTaskDefinition')).toHaveLength(1);
    expect(roleOf('ecs:DeregisterTaskDefinition')).not.toEqual(roleOf('ecs:RegisterTaskDefinition'));
    // PassRole stays limited to the app roles, for ECS tasks.
    for (const { statement } of of('iam:PassRole'))
      expect(statement.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } });
  }, 120_000);

  it("seals session secrets with a rotated KMS key: api-write may only encrypt under a session context, each built app's task role only decrypt its own", () => {
    const { template } = synthStack({ appsFile: 'examples/apps/apps.yml' });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    const all = statements(template);
    // api-write, the pool keeper and the queue (which start tasks), each only under a session's context.
    const encrypt = all.filter(({ statement }) => actionsOf(statement).includes('kms:Encrypt'));
    expect(encrypt).toHaveLength(3);
    for (const { statement } of encrypt)
      expect(statement.Condition).toEqual({
        'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['sessionplane:session', 'sessionplane:app'] },
      });
    const decrypt = all.filter(
      ({ statement }) =>
        actionsOf(statement).includes('kms:Decrypt') && JSON.stringify(statement.Resource).includes('SessionSecrets'),
    );
    expect(
      decrypt
        .map(({ statement }) => statement.Condition)
        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    ).toEqual(
      ['echo', 'hello', 'reduce', 'wslink'].map((app) => ({
        StringEquals: { 'kms:EncryptionContext:sessionplane:app': app },
      })),
    );
    // Nobody else: the encrypting functions never decrypt.
    for (const { policy } of encrypt) expect(new Set(decrypt.map((d) => d.policy)).has(policy)).toBe(false);
    const fns = Object.values(template.findResources('AWS::Lambda::Function')) as {
      Properties: { Environment?: { Variables?: Record<string, unknown> } };
    }[];
    expect(fns.filter((f) => f.Properties.Environment?.Variables?.SESSIONPLANE_SECRETS_KEY)).toHaveLength(3);
  }, 120_000);
});
