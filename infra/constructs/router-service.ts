import { resolve } from 'node:path';
import { Annotations, CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { ISecurityGroup, ISubnet } from 'aws-cdk-lib/aws-ec2';
import { ContainerImage, LogDrivers, Secret as EcsSecret, type ICluster } from 'aws-cdk-lib/aws-ecs';
import { ApplicationLoadBalancedFargateService } from 'aws-cdk-lib/aws-ecs-patterns';
import {
  ApplicationProtocol,
  ListenerAction,
  ListenerCertificate,
  ListenerCondition,
  SslPolicy,
} from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  PriceClass,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { LoadBalancerV2Origin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import { Construct } from 'constructs';
import { ENV } from '../../shared/config/env-names';
import { addFilesService } from './files-service';
import { grantSignOuts, grantTable } from './grants';
import type { Homes } from './homes';
import { acknowledge } from './nag';

export interface RouterServiceProps {
  cluster: ICluster;
  subnets: ISubnet[];
  securityGroup: ISecurityGroup;
  table: ITable;
  appsFile: string;
  certificateArn?: string | undefined;
  domainName?: string | undefined;
  /** Without a certificate: HTTPS on CloudFront's own domain in front of the load balancer (default), or plain HTTP. */
  cloudFront: boolean;
  /** Sessions' own hosts, `<id>.<sessionDomain>`, and the certificate for `*.<sessionDomain>`. */
  sessionDomain?: string | undefined;
  /** TRAME_URL_PREFIX: the router answers under it too, as the trame image serves everything under it. */
  trameUrlPrefix?: string | undefined;
  /** The web client's folder (from the repository root), built into the image and served beside the portal. */
  www?: string | undefined;
  sessionCertificateArn?: string | undefined;
  minCount: number;
  maxCount: number;
  retention: RetentionDays;
  /** The API's issuer: the router streams GET /sessions/{id}/events to API callers, which API Gateway cannot. */
  jwt: { issuer: string; audience: string; userClaim: string; groupsClaim: string; adminGroup: string };
}

/**
 * The session router as a Fargate service behind an ALB: HTTPS from the given certificate with
 * HTTP redirected, an idle timeout long enough for WebSockets, a health check, and autoscaling on
 * connections and CPU.
 */
export class RouterService extends Construct {
  readonly service: ApplicationLoadBalancedFargateService;
  readonly publicUrl: string;
  /** Whether browsers reach it over HTTPS (its own certificate, or CloudFront's). */
  readonly https: boolean;
  /** What serveFiles adds to: the router's image, its log group, the table, the task's security group. */
  private readonly parts: { image: ContainerImage; logs: LogGroup; table: ITable; securityGroup: ISecurityGroup };

  // Over 60 lines: the router service's resources, declared in the order they depend on each other.
  constructor(scope: Construct, id: string, props: RouterServiceProps) {
    super(scope, id);
    const https = !!props.certificateArn;
    const logs = new LogGroup(this, 'Logs', { retention: props.retention, removalPolicy: RemovalPolicy.DESTROY });
    const image = ContainerImage.fromAsset(resolve('.'), {
      file: 'infra/docker/router.Dockerfile',
      // Fargate's default x86-64, whatever the deployer's machine (an Apple silicon Mac builds it under emulation).
      platform: Platform.LINUX_AMD64,
      buildArgs: { APPS_FILE: props.appsFile, ...(props.www ? { WWW_DIR: props.www } : {}) },
      exclude: ['node_modules', 'cdk.out', '.git', '.sessionplane', 'test', 'coverage'],
    });
    this.parts = { image, logs, table: props.table, securityGroup: props.securityGroup };
    const accessLogs = new Bucket(this, 'AlbAccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [{ expiration: Duration.days(90) }],
    });
    this.service = new ApplicationLoadBalancedFargateService(this, 'Service', {
      cluster: props.cluster,
      desiredCount: props.minCount,
      cpu: 512,
      memoryLimitMiB: 1024,
      publicLoadBalancer: true,
      // A router image that cannot start is rolled back, not retried for hours (CDK's own warning at synth).
      circuitBreaker: { enable: true, rollback: true },
      idleTimeout: Duration.seconds(3600), // WebSockets: well above wslink's 30 s heartbeat and ALB's 60 s default
      taskSubnets: { subnets: props.subnets },
      securityGroups: [props.securityGroup],
      ...(https
        ? {
            protocol: ApplicationProtocol.HTTPS,
            certificate: Certificate.fromCertificateArn(this, 'Certificate', props.certificateArn!),
            redirectHTTP: true,
            sslPolicy: SslPolicy.RECOMMENDED_TLS,
          }
        : { protocol: ApplicationProtocol.HTTP }),
      taskImageOptions: {
        image,
        containerPort: 8080,
        logDriver: LogDrivers.awsLogs({ logGroup: logs, streamPrefix: 'router' }),
        environment: {
          [ENV.port]: '8080',
          [ENV.host]: '0.0.0.0',
          [ENV.appsFile]: 'apps.yml',
          [ENV.tableName]: props.table.tableName,
          [ENV.awsRegion]: Stack.of(this).region,
          ...(props.sessionDomain ? { [ENV.sessionDomain]: props.sessionDomain } : {}),
          ...(props.trameUrlPrefix ? { [ENV.trameUrlPrefix]: props.trameUrlPrefix } : {}),
          ...(props.www ? { [ENV.www]: 'www' } : {}),
          [ENV.jwtIssuer]: props.jwt.issuer,
          [ENV.jwtAudience]: props.jwt.audience,
          [ENV.userClaim]: props.jwt.userClaim,
          [ENV.groupsClaim]: props.jwt.groupsClaim,
          [ENV.adminGroup]: props.jwt.adminGroup,
        },
      },
    });
    if (props.sessionCertificateArn) {
      this.service.listener.addCertificates('SessionCertificate', [
        ListenerCertificate.fromArn(props.sessionCertificateArn),
      ]);
    }
    const front = !https && props.cloudFront ? this.cloudFront() : undefined;
    // CloudFront appends the viewer's address to X-Forwarded-For, then the load balancer CloudFront's.
    if (front) this.service.taskDefinition.defaultContainer!.addEnvironment(ENV.proxyHops, '2');
    this.https = https || !!front;
    this.publicUrl = front
      ? `https://${front.distributionDomainName}`
      : props.domainName
        ? `${https ? 'https' : 'http'}://${props.domainName}`
        : `${https ? 'https' : 'http'}://${this.service.loadBalancer.loadBalancerDnsName}`;
    this.service.taskDefinition.defaultContainer!.addEnvironment(ENV.publicUrl, this.publicUrl);
    this.service.loadBalancer.logAccessLogs(accessLogs, 'router');
    this.service.targetGroup.configureHealthCheck({
      path: '/healthz',
      healthyHttpCodes: '200',
      interval: Duration.seconds(15),
    });
    // Draining: long enough for in-flight HTTP; the router closes WebSockets with 1001 on SIGTERM.
    this.service.targetGroup.setAttribute('deregistration_delay.timeout_seconds', '30');
    grantTable(this.service.taskDefinition.taskRole, props.table, ['GetItem', 'UpdateItem']);
    // The portal records a sign-out, so a kept cookie is refused on every router task.
    grantSignOuts(this.service.taskDefinition.taskRole, props.table);

    const scaling = this.service.service.autoScaleTaskCount({
      minCapacity: props.minCount,
      maxCapacity: props.maxCount,
    });
    scaling.scaleOnCpuUtilization('Cpu', { targetUtilizationPercent: 60 });
    scaling.scaleOnMetric('Connections', {
      metric: this.service.loadBalancer.metrics.activeConnectionCount({ period: Duration.minutes(1) }),
      scalingSteps: [
        { upper: 2000 * props.minCount, change: 0 },
        { lower: 2000 * props.minCount, change: +1 },
        { lower: 4000 * props.minCount, change: +2 },
      ],
    });
    acknowledge(this.service.taskDefinition, {
      'AwsSolutions-ECS2': 'Plain configuration (table name, region, public URL); the router holds no secret.',
      'AwsSolutions-IAM5[Resource::*]':
        'ecr:GetAuthorizationToken, which the execution role needs to pull the image, takes no resource.',
    });
    acknowledge(this.service.loadBalancer, {
      'AwsSolutions-EC23':
        'The router is the public entry for browsers: its load balancer accepts the internet on 80/443 only.',
    });
    acknowledge(accessLogs, {
      'AwsSolutions-S1': "This bucket holds the load balancer's access logs; logging access to it would log itself.",
    });
    new CfnOutput(this, 'RouterUrl', {
      value: this.publicUrl,
      description: 'The session router (sessionURL, connectURL)',
    });
    if (props.sessionDomain) {
      new CfnOutput(this, 'SessionHosts', {
        value: `*.${props.sessionDomain}`,
        description: `Point this wildcard name at ${this.service.loadBalancer.loadBalancerDnsName} (each session is served from its own host)`,
      });
    }
  }

  /**
   * HTTPS with no domain or certificate of one's own: CloudFront's default domain (`d…cloudfront.net`) in front of the
   * load balancer, WebSockets included, nothing cached. The load balancer answers only requests that carry the
   * distribution's secret header (403 to anyone who finds its address), so every browser comes through HTTPS.
   */
  private cloudFront(): Distribution {
    const originKey = new Secret(this, 'OriginKey', {
      description: 'Sessionplane: the header CloudFront adds so that the load balancer answers it alone',
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });
    const header = 'x-sessionplane-origin';
    const value = originKey.secretValue.unsafeUnwrap();
    const distribution = new Distribution(this, 'Https', {
      comment: 'Sessionplane router: HTTPS on CloudFront’s domain',
      defaultBehavior: {
        origin: new LoadBalancerV2Origin(this.service.loadBalancer, {
          protocolPolicy: OriginProtocolPolicy.HTTP_ONLY,
          customHeaders: { [header]: value },
          readTimeout: Duration.seconds(60),
        }),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: AllowedMethods.ALLOW_ALL,
        cachePolicy: CachePolicy.CACHING_DISABLED,
        // Every header, cookie and query to the router (its tokens, the portal's cookies, WebSocket upgrades).
        originRequestPolicy: OriginRequestPolicy.ALL_VIEWER,
      },
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
    });
    const listener = this.service.listener;
    listener.addAction('FromCloudFront', {
      priority: 1,
      conditions: [ListenerCondition.httpHeader(header, [value])],
      action: ListenerAction.forward([this.service.targetGroup]),
    });
    listener.addAction('NotFromCloudFront', {
      action: ListenerAction.fixedResponse(403, { contentType: 'text/plain', messageBody: 'Use the HTTPS address.' }),
    });
    Annotations.of(listener).acknowledgeWarning(
      '@aws-cdk/aws-elbv2:listenerExistingDefaultActionReplaced',
      'On purpose: the forward to the router becomes the rule for requests from CloudFront; anything else is refused.',
    );
    acknowledge(originKey, {
      'AwsSolutions-SMG4':
        'Rotating it needs CloudFront and the load balancer changed together (a deploy); it only proves a request came through CloudFront.',
    });
    acknowledge(distribution, {
      'AwsSolutions-CFR1': 'Sessions are for the users the operator admits, wherever they are; no country is refused.',
      'AwsSolutions-CFR2':
        'WAF is a paid choice for the operator; the API and router refuse what is not theirs and rate-limit misses.',
      'AwsSolutions-CFR3':
        "The load balancer's access logs (its own bucket) record every request CloudFront passes on.",
      'AwsSolutions-CFR4':
        "CloudFront's default certificate (no domain of one's own) allows TLS 1.0 viewers; give certificateArn and domainName for TLS 1.2.",
      'AwsSolutions-CFR5':
        'The origin is the load balancer over HTTP inside AWS, answered only with the secret header; give certificateArn for HTTPS end to end.',
    });
    new CfnOutput(this, 'PortalUrl', {
      value: `https://${distribution.distributionDomainName}/`,
      description: 'Sign in here (HTTPS on CloudFront; the first admin: see CreateFirstAdmin)',
    });
    return distribution;
  }

  /** Users' files (#38): the files service beside the router in its task (files-service.ts). */
  serveFiles(homes: Homes, jwt: RouterServiceProps['jwt'], audiences: string[]): void {
    addFilesService(this.service.taskDefinition, { ...this.parts, homes, jwt, audiences });
  }

  /**
   * The portal on the router's origin: its pages, and its script's API requests relayed to the
   * HTTP API at `apiUrl` with each user's own ID token (sign-in through `clientId` at the issuer).
   * The cookies' key is a secret of its own, given to the container at start (never in plain
   * environment); the task role gains nothing: the API decides what each user may do.
   */
  servePortal(apiUrl: string, clientId: string): void {
    const key = new Secret(this, 'PortalKey', {
      description: "Sessionplane: the key the portal's sign-in cookies are signed and encrypted with",
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    acknowledge(key, {
      'AwsSolutions-SMG4':
        'Rotating this key signs every portal user out (their cookies no longer verify); rotate by hand, between maintenance windows.',
    });
    const container = this.service.taskDefinition.defaultContainer!;
    container.addSecret(ENV.portalKey, EcsSecret.fromSecretsManager(key));
    container.addEnvironment(ENV.apiUrl, apiUrl);
    container.addEnvironment(ENV.oidcClientId, clientId);
  }
}
