import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Annotations, CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { loadAppsFile } from '../../shared/config/apps-file';
import type { AppSpec } from '../../shared/config/apps';
import type { InfraConfig } from '../config';
import { ENV } from '../../shared/config/env-names';
import { AppImages } from '../constructs/app-images';
import { AppTaskDefinitions } from '../constructs/app-task-definitions';
import { BackgroundFunctions } from '../constructs/background-functions';
import { ControlApi } from '../constructs/control-api';
import { Homes } from '../constructs/homes';
import { PoolKeeper } from '../constructs/pool-keeper';
import { QueueDispatcher } from '../constructs/queue-dispatcher';
import { Identity } from '../constructs/identity';
import { acknowledge } from '../constructs/nag';
import { Network } from '../constructs/network';
import { RouterService } from '../constructs/router-service';
import { SessionCluster } from '../constructs/session-cluster';
import { SessionsTable } from '../constructs/sessions-table';

const CONTAINER = 'app';
const LOG_GROUP_PREFIX = '/sessionplane/apps/';
const LOG_STREAM_PREFIX = 'session';

/** Sessionplane on AWS. This only composes constructs; each sets its functions' env and grants. */
/**
 * The web client the router service serves (`-c www=<folder>`): refused at synth, with why, where an app is opened
 * through one (`client: www`) and there is none to serve.
 */
function webClientOf(config: InfraConfig, apps: readonly AppSpec[]): string | undefined {
  const clients = apps.filter((a) => a.webClient).map((a) => a.name);
  if (config.www && !existsSync(join(config.www, 'index.html')))
    throw new Error(`-c www=${config.www}: no index.html there (the built web client, served by the router service)`);
  if (clients.length && !config.www)
    throw new Error(
      `${clients.join(', ')}: opened through the web client (client: www), but the stack serves none: give its folder with -c www=<folder>`,
    );
  return config.www;
}

export class SessionplaneStack extends Stack {
  readonly parts: {
    table: SessionsTable;
    network: Network;
    cluster: SessionCluster;
    tasks: AppTaskDefinitions;
    api: ControlApi;
    background: BackgroundFunctions;
    pools: PoolKeeper;
    queue: QueueDispatcher;
    router: RouterService;
    images: AppImages;
    homes: Homes;
  };

  // Over 60 lines: the stack's parts in the order they depend on each other; each is one construct.
  constructor(scope: Construct, id: string, config: InfraConfig, props: StackProps = {}) {
    super(scope, id, props);
    const apps = [...loadAppsFile(config.appsFile).values()];
    const open = apps.filter((a) => a.open).map((a) => a.name);
    if (open.length)
      Annotations.of(this).addWarningV2(
        'sessionplane:open-apps',
        `${open.join(', ')}: open to anyone on one machine; on AWS the HTTP API admits signed-in users only, so visitors cannot launch them (they launch through the portal)`,
      );
    const retention = (config.logRetentionDays as RetentionDays) ?? RetentionDays.ONE_MONTH;

    const table = new SessionsTable(this, 'Sessions');
    const network = new Network(this, 'Network', {
      vpcId: config.vpcId,
      natGateways: config.natGateways,
      vpcEndpoints: config.vpcEndpoints,
    });
    network.allowSessionPorts(apps.filter((a) => a.image || a.build).map((a) => a.containerPort));
    const cluster = new SessionCluster(this, 'Cluster', {
      vpc: network.vpc,
      subnets: network.privateSubnets,
      securityGroup: network.sessionsSg,
      gpuInstanceType: config.gpuInstanceType,
      gpuMaxInstances: config.gpuMaxInstances,
    });
    const images = new AppImages(this, 'Images');
    // Users' homes: kept whatever happens to the stack or its sessions.
    const homes = new Homes(this, 'Homes', {
      vpc: network.vpc,
      subnets: network.privateSubnets,
      sessionsSg: network.sessionsSg,
      // Group volumes (#38): an access point per volume name the apps file gives, on the same file system.
      volumes: [...new Set(apps.flatMap((a) => (a.volumes ?? []).map((v) => v.name)))],
    });
    const tasks = new AppTaskDefinitions(this, 'Apps', {
      labelledImages: images.repository,
      apps,
      familyPrefix: config.taskFamilyPrefix,
      logGroupPrefix: LOG_GROUP_PREFIX,
      logStreamPrefix: LOG_STREAM_PREFIX,
      containerName: CONTAINER,
      retention,
    });
    const identity = config.jwtIssuer
      ? undefined
      : new Identity(this, 'Identity', { adminGroup: config.adminGroup, mfa: config.mfa });
    const jwt = {
      issuer: config.jwtIssuer ?? identity!.issuer,
      audience: config.jwtAudience ?? identity!.audience,
      userClaim: config.userClaim,
      groupsClaim: 'cognito:groups',
      adminGroup: config.adminGroup,
    };
    const router = new RouterService(this, 'Router', {
      jwt,
      cluster: cluster.cluster,
      subnets: network.privateSubnets,
      securityGroup: network.routerSg,
      table: table.table,
      appsFile: config.appsFile,
      certificateArn: config.certificateArn,
      domainName: config.domainName,
      cloudFront: config.cloudFront,
      sessionDomain: config.sessionDomain,
      trameUrlPrefix: config.trameUrlPrefix,
      www: webClientOf(config, apps),
      sessionCertificateArn: config.sessionCertificateArn,
      minCount: config.routerMinCount,
      maxCount: config.routerMaxCount,
      retention,
    });
    // The portal on the router's origin: signed in through the issuer. Cognito takes https callbacks only, so
    // with the stack's own pool it needs the router over HTTPS (its certificate, or CloudFront's by default); with
    // another issuer, its client id.
    const portalClientId =
      config.portalClientId ??
      (identity && router.https ? identity.addPortalClient(router.publicUrl).userPoolClientId : undefined);
    const tokenKey = new Secret(this, 'TokenKey', {
      description: 'Sessionplane: the key session tokens and app secrets are derived with',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    acknowledge(tokenKey, {
      'AwsSolutions-SMG4':
        'Rotating this key changes the credentials the API derives for existing sessions (their stored token hashes keep working at the router); rotate by hand, between maintenance windows.',
    });
    // Session secrets reach the tasks of built apps sealed with this key (see README, "Session secrets").
    const secretsKey = new Key(this, 'SessionSecrets', {
      description: 'Sessionplane: seals each session secret for its task (RunTask overrides carry ciphertext only)',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    for (const app of apps.filter((a) => a.build)) {
      const task = tasks.byApp.get(app.name);
      // A task may unseal only its own app's secrets: the encryption context names the app.
      task?.taskRole.addToPrincipalPolicy(
        new PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: [secretsKey.keyArn],
          conditions: { StringEquals: { 'kms:EncryptionContext:sessionplane:app': app.name } },
        }),
      );
    }
    // Session tasks mount homes through the user's access point (the registry's revision names it).
    for (const task of tasks.byApp.values()) homes.grantMount(task.taskRole);
    const api = new ControlApi(this, 'Api', {
      homes,
      secretsKey,
      table: table.table,
      cluster: cluster.cluster,
      taskDefinitions: [...tasks.byApp.values()],
      deployedRevisions: tasks.deployedRevisions(),
      logGroupArns: tasks.logGroups.map((g) => g.logGroupArn),
      imagePrefixes: config.imagePrefixes,
      userLimits: userLimitsOf(config),
      taskNetwork: { subnets: network.privateSubnets, securityGroup: network.sessionsSg },
      gpuCapacityProvider: cluster.gpuCapacityProvider?.capacityProviderName,
      tokenKey,
      appsFile: config.appsFile,
      imageRepository: images.repository,
      publicUrl: router.publicUrl,
      jwt,
      portalClientId,
      shared: {
        familyPrefix: config.taskFamilyPrefix,
        containerName: CONTAINER,
        logGroupPrefix: LOG_GROUP_PREFIX,
        logStreamPrefix: LOG_STREAM_PREFIX,
        trameUseHost: config.trameUseHost,
        trameUrlPrefix: config.trameUrlPrefix,
        sessionDomain: config.sessionDomain,
      },
      throttle: { rateLimit: config.apiRateLimit, burstLimit: config.apiBurstLimit },
      corsOrigins: config.corsOrigins,
      retention,
    });
    const background = new BackgroundFunctions(this, 'Background', {
      table: table.table,
      cluster: cluster.cluster,
      vpc: network.vpc,
      subnets: network.privateSubnets,
      taskSecurityGroup: network.sessionsSg,
      probeSecurityGroup: network.probeSg,
      appsFile: config.appsFile,
      familyPrefix: config.taskFamilyPrefix,
      containerName: CONTAINER,
      imageRepository: images.repository,
      deployedRevisions: tasks.deployedRevisions(),
      retention,
    });
    // Warm pools: started ahead of demand, off the request path.
    const pools = new PoolKeeper(this, 'Pools', {
      table: table.table,
      cluster: cluster.cluster,
      taskDefinitions: [...tasks.byApp.values()],
      ecsEnv: background.ecsEnv,
      secretsKey,
      tokenKey,
      gpuCapacityProvider: cluster.gpuCapacityProvider?.capacityProviderName,
      appsFile: config.appsFile,
      retention,
    });
    // Launches that found no room wait their turn; this starts them as room comes.
    const queue = new QueueDispatcher(this, 'Queue', {
      table: table.table,
      cluster: cluster.cluster,
      taskDefinitions: [...tasks.byApp.values()],
      ecsEnv: { ...background.ecsEnv, [ENV.apiUrl]: api.api.apiEndpoint },
      userLimits: userLimitsOf(config),
      secretsKey,
      tokenKey,
      homes,
      gpuCapacityProvider: cluster.gpuCapacityProvider?.capacityProviderName,
      appsFile: config.appsFile,
      retention,
    });
    if (portalClientId) router.servePortal(api.api.apiEndpoint, portalClientId);
    // Files in and out of homes (#38): served beside the router, whose task mounts them; the API sends callers there.
    router.serveFiles(homes, jwt, [jwt.audience, ...(portalClientId ? [portalClientId] : [])]);
    new CfnOutput(this, 'TableName', { value: table.table.tableName });
    new CfnOutput(this, 'ClusterName', { value: cluster.cluster.clusterName });
    this.parts = { table, network, cluster, tasks, api, background, pools, queue, router, images, homes };
  }
}

/** The per-user limits the deployment sets, as the functions' environment (the rest, and the queue's, keep their defaults). */
function userLimitsOf(config: InfraConfig): Record<string, string> {
  const limits: [string, number | undefined][] = [
    [ENV.maxSessionsPerUser, config.maxSessionsPerUser],
    [ENV.maxJobsPerUser, config.maxJobsPerUser],
    [ENV.maxCpuPerUser, config.maxCpuPerUser],
    [ENV.maxMemoryPerUser, config.maxMemoryPerUser],
    [ENV.maxGpusPerUser, config.maxGpusPerUser],
  ];
  return Object.fromEntries(limits.filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]));
}
