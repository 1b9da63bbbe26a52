import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { ISecurityGroup, ISubnet, IVpc } from 'aws-cdk-lib/aws-ec2';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { readAppsYaml } from '../../shared/config/apps-file';
import { ENV } from '../../shared/config/env-names';
import { BUNDLING, FUNCTION_ENTRIES } from '../../shared/config/functions';
import type { FunctionName } from '../../shared/config/lambda-env';
import { acknowledge } from './nag';

/** Where the apps file is inside every function's bundle: as JSON, so no YAML parser is bundled. */
const BUNDLED_APPS_FILE = '/var/task/apps.json';

const appsJsonFiles = new Map<string, string>();

/** The apps file as JSON, written once per synth (and per apps file) to a temporary folder the bundling copies from. */
function appsJsonOf(appsFile: string): string {
  let file = appsJsonFiles.get(appsFile);
  if (!file) {
    file = join(mkdtempSync(join(tmpdir(), 'sessionplane-apps-')), 'apps.json');
    writeFileSync(file, JSON.stringify(readAppsYaml(appsFile)));
    appsJsonFiles.set(appsFile, file);
  }
  return file;
}

export interface SessionFunctionProps {
  name: FunctionName;
  /** Its environment, by the names in shared/config (the stack's tests parse it with the function's schema). */
  environment: Record<string, string>;
  appsFile: string;
  timeout: Duration;
  retention: RetentionDays;
  memorySize?: number;
  vpc?: { vpc: IVpc; subnets: ISubnet[]; securityGroups: ISecurityGroup[] };
}

/**
 * One function, bundled as `shared/config/functions.ts` says (ESM, Node 22, arm64), with the apps
 * file inside its bundle and its own log group. Grants are added by the construct that owns it,
 * beside its environment.
 */
export class SessionFunction extends Construct {
  readonly fn: NodejsFunction;

  constructor(scope: Construct, id: string, props: SessionFunctionProps) {
    super(scope, id);
    const appsJson = appsJsonOf(resolve(props.appsFile));
    this.fn = new NodejsFunction(this, 'Function', {
      entry: resolve(FUNCTION_ENTRIES[props.name]),
      handler: 'handler',
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout,
      environment: {
        ...props.environment,
        [ENV.appsFile]: BUNDLED_APPS_FILE,
        POWERTOOLS_SERVICE_NAME: props.name,
      },
      logGroup: new LogGroup(this, 'Logs', { retention: props.retention, removalPolicy: RemovalPolicy.DESTROY }),
      depsLockFilePath: resolve('package-lock.json'),
      bundling: {
        format: OutputFormat.ESM,
        target: BUNDLING.target,
        minify: BUNDLING.minify,
        sourceMap: true,
        // The pinned SDK goes in the bundle (what the tests and the bundle benchmark use), not the runtime's.
        externalModules: [],
        mainFields: [...BUNDLING.mainFields],
        banner: BUNDLING.banner,
        esbuildArgs: Object.fromEntries(Object.entries(BUNDLING.alias).map(([from, to]) => [`--alias:${from}`, to])),
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_inputDir: string, outputDir: string) => [`cp "${appsJson}" "${outputDir}/apps.json"`],
        },
      },
      ...(props.vpc
        ? { vpc: props.vpc.vpc, vpcSubnets: { subnets: props.vpc.subnets }, securityGroups: props.vpc.securityGroups }
        : {}),
    });
    acknowledge(this.fn.role!, {
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]':
        'Writing its own log streams is all this AWS-managed policy allows; everything else the function may do is granted explicitly.',
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]':
        'The ENI permissions a function in a VPC needs (task-events probes task ports from inside the VPC).',
    });
  }
}
