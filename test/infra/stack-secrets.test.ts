import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { actionsOf, statements, synthStack } from '../support/infra';

const dir = mkdtempSync(join(tmpdir(), 'sp-secrets-'));
const LICENCE = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:viz-licence-AbCdEf';
const KEY = 'arn:aws:ssm:eu-west-1:123456789012:parameter/sessionplane/api-key';
const file = (name: string, secrets: Record<string, string>) => {
  const path = join(dir, name);
  writeFileSync(
    path,
    `viz:\n  image: registry.example.org/viz:1\n  secrets:\n${Object.entries(secrets)
      .map(([k, v]) => `    ${k}: "${v}"\n`)
      .join('')}`,
  );
  return path;
};

/** #38: secrets by reference on ECS: the task definition's `secrets`, read by ECS at the start with the execution role. */
describe('secrets by reference, in the CDK stack', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("puts them in the task definition's secrets (never its environment), and lets only its execution role read them", () => {
    const { template } = synthStack({ appsFile: file('apps.yml', { LICENCE, API_KEY: KEY }) });
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Family: 'sessionplane-viz',
      ContainerDefinitions: [
        Match.objectLike({
          Secrets: [
            { Name: 'LICENCE', ValueFrom: LICENCE },
            { Name: 'API_KEY', ValueFrom: Match.anyValue() },
          ],
          Environment: Match.absent(),
        }),
      ],
    });
    expect(JSON.stringify(template.findResources('AWS::ECS::TaskDefinition'))).toContain(
      'parameter/sessionplane/api-key',
    );
    // Who may read these two: the app's execution role, and nothing else (no function, no task role).
    const readers = statements(template).filter(
      ({ statement }) =>
        actionsOf(statement).some((a) => a === 'secretsmanager:GetSecretValue' || a === 'ssm:GetParameters') &&
        /viz-licence|sessionplane\/api-key/.test(JSON.stringify(statement.Resource)),
    );
    expect(new Set(readers.map((r) => r.policy)).size).toBe(1);
    expect(JSON.stringify(readers.map((r) => r.policy))).toMatch(/vizTaskExecutionRole/);
    expect(JSON.stringify(readers.map((r) => r.statement.Resource))).toContain(LICENCE);
  });

  it("leaves a group-held secret out of the base definition (a member's revision adds it) and lets the execution role read it", () => {
    const path = join(dir, 'held.yml');
    writeFileSync(
      path,
      `viz:\n  image: registry.example.org/viz:1\n  secrets:\n    API_KEY: "${KEY}"\n    LICENCE: { ref: "${LICENCE}", groups: [lab] }\n`,
    );
    const { template } = synthStack({ appsFile: path });
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Family: 'sessionplane-viz',
      ContainerDefinitions: [Match.objectLike({ Secrets: [{ Name: 'API_KEY', ValueFrom: Match.anyValue() }] })],
    });
    const readers = statements(template).filter(
      ({ statement }) =>
        actionsOf(statement).includes('secretsmanager:GetSecretValue') &&
        JSON.stringify(statement.Resource).includes('viz-licence'),
    );
    expect(readers.map((r) => r.policy).join()).toMatch(/vizTaskExecutionRole/);
  });

  it('stops synth on a local reference, naming it', () => {
    const { stack } = synthStack({ appsFile: file('local.yml', { LICENCE: 'file:/etc/licence' }) });
    expect(
      Annotations.fromStack(stack).findError(
        '*',
        Match.stringLikeRegexp("App viz's secret LICENCE is a local reference"),
      ),
    ).toHaveLength(1);
  });
});
