import { API_ROUTES, type ApiFunctionName } from '../../shared/config/api-routes';
import { CfnOutput, Duration, RemovalPolicy } from 'aws-cdk-lib';
import { type CfnStage, CorsHttpMethod, HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IRepository } from 'aws-cdk-lib/aws-ecr';
import type { ICluster, TaskDefinition } from 'aws-cdk-lib/aws-ecs';
import type { ISecurityGroup, ISubnet } from 'aws-cdk-lib/aws-ec2';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ENV } from '../../shared/config/env-names';
import type { Homes } from './homes';
import { grantRegisterTaskDefinitions, grantRunTasks, grantSealSecrets, grantTable, grantTaskControl } from './grants';
import { acknowledge } from './nag';
import { SessionFunction } from './session-function';

export interface ControlApiProps {
  table: ITable;
  cluster: ICluster;
  taskDefinitions: TaskDefinition[];
  /** Seals session secrets for the apps the stack builds (SESSIONPLANE_SECRETS_KEY). */
  secretsKey: IKey;
  /** SESSIONPLANE_TASK_DEFINITIONS: each app's deployed `family:revision`. */
  deployedRevisions: string;
  logGroupArns: string[];
  taskNetwork: { subnets: ISubnet[]; securityGroup: ISecurityGroup };
  gpuCapacityProvider?: string | undefined;
  tokenKey: ISecret;
  appsFile: string;
  /** Users' homes: api-write makes their access points (SESSIONPLANE_HOMES_FILE_SYSTEM). */
  homes: Homes;
  /** The stack's app image repository: its labelled images are apps (read from the reaper's snapshot in the table). */
  imageRepository: IRepository;
  /** The router's public URL: the base of every sessionURL and connectURL. */
  publicUrl: string;
  jwt: { issuer: string; audience: string; userClaim: string; groupsClaim: string; adminGroup: string };
  /**
   * The portal's client at the issuer, whose ID tokens (the portal calls the API with them) the authorizer accepts too.
   */
  portalClientId?: string | undefined;
  shared: {
    familyPrefix: string;
    containerName: string;
    logGroupPrefix: string;
    logStreamPrefix: string;
    trameUseHost?: string | undefined;
    trameUrlPrefix?: string | undefined;
    sessionDomain?: string | undefined;
  };
  throttle: { rateLimit: number; burstLimit: number };
  corsOrigins: string[];
  /** Each user's limits as the API functions read them (SESSIONPLANE_MAX_*_PER_USER); only those the deployment sets. */
  userLimits: Record<string, string>;
  /** Where custom images may come from (SESSIONPLANE_IMAGE_PREFIXES of the function that launches). */
  imagePrefixes: string[];
  retention: RetentionDays;
}

/**
 * The control API: an HTTP API with throttling and access logs, in front of three functions split by concern (read,
 * write, catalog), each with only the permissions it uses; each function decides who a caller is (a JWT of the issuer,
 * or a personal token), as the local server does, so every door answers a refusal in its own shape.
 */
export class ControlApi extends Construct {
  readonly api: HttpApi;
  readonly functions: Record<'api-read' | 'api-write' | 'api-catalog', SessionFunction>;

  // Over 60 lines: the HTTP API's resources, declared in the order they depend on each other.
  constructor(scope: Construct, id: string, props: ControlApiProps) {
    super(scope, id);
    const common = {
      [ENV.tableName]: props.table.tableName,
      [ENV.imageRepository]: props.imageRepository.repositoryUri,
      [ENV.publicUrl]: props.publicUrl,
      // /homes/me/files is the router service's (its task mounts the homes): the functions send callers there.
      [ENV.filesUrl]: props.publicUrl,
      [ENV.tokenKey]: props.tokenKey.secretValue.unsafeUnwrap(), // a dynamic reference, resolved at deploy
      // Who a caller is, decided by the functions (api-compose.ts): the issuer's JWTs for the API's client and the
      // portal's, and personal tokens.
      [ENV.jwtIssuer]: props.jwt.issuer,
      [ENV.jwtAudience]: [props.jwt.audience, ...(props.portalClientId ? [props.portalClientId] : [])].join(','),
      [ENV.userClaim]: props.jwt.userClaim,
      [ENV.groupsClaim]: props.jwt.groupsClaim,
      [ENV.adminGroup]: props.jwt.adminGroup,
      [ENV.logLevel]: 'info',
      ...props.userLimits,
      ...(props.corsOrigins.length ? { [ENV.corsOrigins]: props.corsOrigins.join(',') } : {}),
      ...(props.shared.trameUseHost ? { [ENV.trameUseHost]: props.shared.trameUseHost } : {}),
      ...(props.shared.trameUrlPrefix ? { [ENV.trameUrlPrefix]: props.shared.trameUrlPrefix } : {}),
      ...(props.shared.sessionDomain ? { [ENV.sessionDomain]: props.shared.sessionDomain } : {}),
    };
    const fn = (name: 'api-read' | 'api-write' | 'api-catalog', environment: Record<string, string>) =>
      new SessionFunction(this, name, {
        name,
        environment: { ...common, ...environment },
        appsFile: props.appsFile,
        timeout: Duration.seconds(29),
        retention: props.retention,
      });

    const read = fn('api-read', {
      [ENV.logGroupPrefix]: props.shared.logGroupPrefix,
      [ENV.logStreamPrefix]: props.shared.logStreamPrefix,
      [ENV.containerName]: props.shared.containerName,
    });
    // BatchGetItem: the sessions shared with the caller, by the grantee index's pointers (GET /sessions).
    grantTable(read.fn, props.table, ['GetItem', 'Query', 'BatchGetItem']);
    if (props.logGroupArns.length)
      read.fn.addToRolePolicy(new PolicyStatement({ actions: ['logs:GetLogEvents'], resources: props.logGroupArns }));

    const write = fn('api-write', {
      [ENV.cluster]: props.cluster.clusterArn,
      [ENV.subnets]: props.taskNetwork.subnets.map((s) => s.subnetId).join(','),
      [ENV.securityGroups]: props.taskNetwork.securityGroup.securityGroupId,
      [ENV.taskFamilyPrefix]: props.shared.familyPrefix,
      [ENV.taskDefinitions]: props.deployedRevisions,
      [ENV.secretsKey]: props.secretsKey.keyArn,
      ...props.homes.startersEnv(),
      [ENV.containerName]: props.shared.containerName,
      ...(props.gpuCapacityProvider ? { [ENV.gpuCapacityProvider]: props.gpuCapacityProvider } : {}),
      ...(props.imagePrefixes.length ? { [ENV.imagePrefixes]: props.imagePrefixes.join(',') } : {}),
    });
    // Sessions, usage counters, idempotency and registry claims: reads, conditional puts and updates, and the delete of
    // a refused claim.
    // BatchGetItem: a launch that waits in the queue reads the waiting owners' usage, to tell it its place.
    grantTable(write.fn, props.table, ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'BatchGetItem']);
    grantRunTasks(write.fn, props.cluster, props.taskDefinitions);
    grantRegisterTaskDefinitions(write.fn, props.taskDefinitions);
    props.homes.grantCreateAccessPoints(write.fn);
    // Encrypt only, and only under a session's context (the task decrypts, never this function).
    grantSealSecrets(write.fn, props.secretsKey.keyArn);
    // DescribeTasks: a pooled launch asks ECS whether the warm task it would claim is still running.
    grantTaskControl(write.fn, props.cluster, ['StopTask', 'DescribeTasks']);

    const catalog = fn('api-catalog', {});
    // The apps labelled images describe: one item the reaper keeps in the table.
    grantTable(catalog.fn, props.table, ['GetItem']);
    this.functions = { 'api-read': read, 'api-write': write, 'api-catalog': catalog };

    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.retention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.api = new HttpApi(this, 'HttpApi', {
      description: 'Sessionplane control API',
      // Browser frontends on other origins (the trame client's sessionManagerURL): preflights answered by the gateway.
      ...(props.corsOrigins.length
        ? {
            corsPreflight: {
              allowOrigins: props.corsOrigins,
              allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST, CorsHttpMethod.PATCH, CorsHttpMethod.DELETE],
              allowHeaders: ['authorization', 'content-type', 'idempotency-key'],
              maxAge: Duration.minutes(10),
            },
          }
        : {}),
    });
    const stage = this.api.defaultStage!.node.defaultChild as CfnStage;
    stage.defaultRouteSettings = {
      throttlingRateLimit: props.throttle.rateLimit,
      throttlingBurstLimit: props.throttle.burstLimit,
    };
    stage.accessLogSettings = {
      destinationArn: accessLogs.logGroupArn,
      format: JSON.stringify({
        requestId: '$context.requestId',
        ip: '$context.identity.sourceIp',
        route: '$context.routeKey',
        status: '$context.status',
        latencyMs: '$context.responseLatency',
        error: '$context.integrationErrorMessage',
      }),
    };
    // Every route from the one table the hono apps are checked against (shared/config/api-routes.ts).
    const functions: Record<ApiFunctionName, SessionFunction> = {
      'api-read': read,
      'api-write': write,
      'api-catalog': catalog,
    };
    for (const route of API_ROUTES) {
      const [added] = this.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: new HttpLambdaIntegration(
          route.public ? route.path : `${route.method}${route.path}`,
          functions[route.fn].fn,
        ),
      });
      acknowledge(added!, {
        'AwsSolutions-APIG4': route.public
          ? "Public by design: the health check, the API's own description, a session's own activity report."
          : 'Authenticated by the function itself: a JWT of the issuer verified with its keys (issuer, audience, expiry), ' +
            "or a personal token by its hash; API Gateway's JWT authorizer cannot admit personal tokens.",
      });
    }
    // Where a session's app reports that it is busy (SESSION_ACTIVITY_URL in its environment).
    write.fn.addEnvironment(ENV.apiUrl, this.api.apiEndpoint);
    new CfnOutput(this, 'ApiUrl', { value: this.api.apiEndpoint, description: 'The control API' });
  }
}
