import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { InfraConfigSchema } from '../../infra/config';
import { SessionplaneStack } from '../../infra/stacks/sessionplane-stack';
import { type Cfn, type Known, type Resources, resolver } from './cfn-resolver';

export interface SynthesizedFunction {
  /** The bundle's index.mjs, as `cdk synth` wrote it. */
  file: string;
  /** Its environment from the template (Ref, GetAtt, Join resolved), its apps.json at this copy of the asset. */
  env: Record<string, string>;
}

export interface SynthesizedStack {
  outdir: string;
  resources: Resources;
  /** The template's outputs, by their logical id (what `cdk deploy --outputs-file` writes them under). */
  outputs: Record<string, { Value: Cfn }>;
}

/** The stack synthesized with bundling, as `cdk synth` does (context as `-c` would give it). */
export function synthesizeStack(context: Record<string, unknown>): SynthesizedStack {
  const outdir = mkdtempSync(join(tmpdir(), 'sp-cdk-bundled-'));
  const app = new App({ outdir });
  const config = InfraConfigSchema.parse(context);
  const stack = new SessionplaneStack(app, 'Sessionplane', config, { env: { region: config.region } });
  app.synth();
  const template = Template.fromStack(stack).toJSON() as Pick<SynthesizedStack, 'resources' | 'outputs'> & {
    Resources: Resources;
    Outputs: SynthesizedStack['outputs'];
  };
  return { outdir, resources: template.Resources, outputs: template.Outputs };
}

/**
 * Each of the stack's functions (by its service name, POWERTOOLS_SERVICE_NAME): its bundle, with the environment a
 * deploy into one account would give it (`known`: what the deploy's resources are called there).
 */
export function bundlesOf({ outdir, resources }: SynthesizedStack, known: Known): Record<string, SynthesizedFunction> {
  const resolve = resolver(resources, known);
  const functions: Record<string, SynthesizedFunction> = {};
  for (const r of Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::Function')) {
    const vars = (r.Properties!.Environment as { Variables: Record<string, Cfn> } | undefined)?.Variables;
    const name = vars?.POWERTOOLS_SERVICE_NAME;
    if (typeof name !== 'string') continue;
    const key = String((r.Properties!.Code as { S3Key: Cfn }).S3Key).replace(/\.zip$/, '');
    const dir = join(outdir, `asset.${key}`);
    const env: Record<string, string> = Object.fromEntries(Object.entries(vars!).map(([k, v]) => [k, resolve(v)]));
    // Where Lambda would find the bundle's apps.json (/var/task), this test's copy of the asset.
    functions[name] = {
      file: join(dir, 'index.mjs'),
      env: { ...env, SESSIONPLANE_APPS: env.SESSIONPLANE_APPS!.replace('/var/task', dir) },
    };
  }
  return functions;
}

/**
 * What the Lambda runtime adds to a function's environment, with each AWS service's endpoint at `endpoints`
 * (moto, or a recorder in front of it) and DynamoDB at `dynamodb`.
 */
export function lambdaRuntimeEnv(options: {
  region: string;
  endpoints: Partial<Record<'ECS' | 'KMS' | 'ECR' | 'EFS' | 'CLOUDWATCH_LOGS', string>>;
  dynamodb: string;
  home: string;
}): Record<string, string> {
  return {
    NODE_OPTIONS: '',
    PATH: process.env.PATH ?? '',
    HOME: options.home,
    AWS_REGION: options.region,
    AWS_ACCESS_KEY_ID: 'ASIAEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_SESSION_TOKEN: 'token',
    ...Object.fromEntries(
      Object.entries(options.endpoints).map(([service, url]) => [`AWS_ENDPOINT_URL_${service}`, url]),
    ),
    SESSIONPLANE_DYNAMODB_ENDPOINT: options.dynamodb,
    SESSIONPLANE_LOG_LEVEL: process.env.DEBUG_MOTO ? 'debug' : 'silent',
    POWERTOOLS_METRICS_DISABLED: 'true',
  };
}
