import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { InfraConfigSchema } from '../../infra/config';
import { SessionplaneStack } from '../../infra/stacks/sessionplane-stack';

/**
 * Synthesizes the stack as `cdk synth` does, with cdk-nag's AwsSolutions rules (synth throws on
 * any unacknowledged finding), but without bundling the functions (npm run synth does that).
 */
export function synthStack(
  context: Record<string, unknown> = {},
  env: { account?: string } = {},
): { template: Template; stack: SessionplaneStack } {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'sp-cdk-')), context: { 'aws:cdk:bundling-stacks': [] } });
  const config = InfraConfigSchema.parse({ appsFile: 'test/support/fixtures/aws-apps.yml', ...context });
  const stack = new SessionplaneStack(app, 'Sessionplane', config, { env: { region: config.region, ...env } });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
  return { template: Template.fromStack(stack), stack };
}

export type Statement = {
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, unknown>;
  Effect: string;
};

/** Every IAM statement of the template, with the logical id of its policy. */
export function statements(template: Template): { policy: string; statement: Statement }[] {
  const out: { policy: string; statement: Statement }[] = [];
  for (const [policy, resource] of Object.entries(template.findResources('AWS::IAM::Policy'))) {
    for (const statement of (resource as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties
      .PolicyDocument.Statement)
      out.push({ policy, statement });
  }
  return out;
}

export const actionsOf = (s: Statement) => [s.Action].flat();

/** An API function's environment variable, as the template has it (by the function's service name). */
export function apiFunctionEnv(t: Template, fn: string, name: string): unknown {
  const f = Object.values(t.findResources('AWS::Lambda::Function')).find(
    (r) =>
      (r as { Properties: { Environment?: { Variables?: Record<string, unknown> } } }).Properties.Environment?.Variables
        ?.POWERTOOLS_SERVICE_NAME === fn,
  ) as { Properties: { Environment: { Variables: Record<string, unknown> } } };
  return f.Properties.Environment.Variables[name];
}
