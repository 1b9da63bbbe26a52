import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { type ISecurityGroup, type ISubnet, type IVpc, Port, SecurityGroup } from 'aws-cdk-lib/aws-ec2';
import { type AccessPoint, FileSystem, PerformanceMode, ThroughputMode } from 'aws-cdk-lib/aws-efs';
import { ENV } from '../../shared/config/env-names';
import { AnyPrincipal, Effect, type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct, type IConstruct } from 'constructs';
import { acknowledge, nagAccount } from './nag';

export interface HomesProps {
  vpc: IVpc;
  subnets: ISubnet[];
  /** Session tasks: the only clients the file system accepts. */
  sessionsSg: ISecurityGroup;
  /** Group volumes' names: each gets an access point (`/volumes/<name>`, open to every uid, like a project folder). */
  volumes?: string[];
}

/**
 * Users' homes: one EFS file system, encrypted at rest and (by policy) in transit, backed up by AWS
 * Backup, kept when the stack is deleted, with mount targets in the session subnets and NFS open to
 * session tasks (and the router task's files service) only. Each user gets an access point on their first launch (the API makes it).
 */
export class Homes extends Construct {
  readonly fileSystem: FileSystem;
  /** Each group volume's access point, by its name. */
  readonly volumeAccessPoints: Record<string, AccessPoint> = {};
  private readonly mountTargets: SecurityGroup;

  constructor(scope: Construct, id: string, props: HomesProps) {
    super(scope, id);
    const securityGroup = new SecurityGroup(this, 'MountTargets', {
      vpc: props.vpc,
      description: 'Sessionplane homes: NFS from session tasks only',
      allowAllOutbound: false,
    });
    securityGroup.addIngressRule(props.sessionsSg, Port.tcp(2049), 'NFS from session tasks');
    this.mountTargets = securityGroup;
    this.fileSystem = new FileSystem(this, 'FileSystem', {
      vpc: props.vpc,
      vpcSubnets: { subnets: props.subnets },
      securityGroup,
      encrypted: true,
      enableAutomaticBackups: true,
      removalPolicy: RemovalPolicy.RETAIN,
      performanceMode: PerformanceMode.GENERAL_PURPOSE,
      throughputMode: ThroughputMode.ELASTIC,
    });
    this.fileSystem.addToResourcePolicy(
      new PolicyStatement({
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: ['*'],
        conditions: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
    for (const name of props.volumes ?? [])
      this.volumeAccessPoints[name] = this.fileSystem.addAccessPoint(`Volume-${name}`, {
        path: `/volumes/${name}`,
        createAcl: { ownerUid: '0', ownerGid: '0', permissions: '777' },
      });
  }

  /**
   * What a function that starts tasks is told of this file system: its id (homes' access points are made on it) and
   * each group volume's access point.
   */
  startersEnv(): Record<string, string> {
    const points = Object.entries(this.volumeAccessPoints);
    return {
      [ENV.homesFileSystem]: this.fileSystem.fileSystemId,
      ...(points.length
        ? {
            [ENV.volumeAccessPoints]: Stack.of(this).toJsonString(
              Object.fromEntries(points.map(([name, point]) => [name, point.accessPointId])),
            ),
          }
        : {}),
    };
  }

  /** Every access point's ARN in this account and region (users' are made at run time). */
  private accessPointArns(): string {
    return Stack.of(this).formatArn({ service: 'elasticfilesystem', resource: 'access-point', resourceName: '*' });
  }

  /** The cdk-nag finding an access-point wildcard raises, acknowledged with why it is the narrowest there is. */
  private acknowledgeAccessPoints(grantee: IGrantable, why: string): void {
    const stack = Stack.of(this);
    const finding = `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:elasticfilesystem:${stack.region}:${nagAccount(stack)}:access-point/*]`;
    acknowledge(grantee.grantPrincipal as unknown as IConstruct, { [finding]: why });
  }

  /** Lets a session task role mount homes, read and write, only through an access point. */
  grantMount(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite'],
        resources: [this.fileSystem.fileSystemArn],
        conditions: {
          Bool: { 'elasticfilesystem:AccessedViaMountTarget': 'true' },
          StringLike: {
            'elasticfilesystem:AccessPointArn': Stack.of(this).formatArn({
              service: 'elasticfilesystem',
              resource: 'access-point',
              resourceName: '*',
            }),
          },
        },
      }),
    );
  }

  /**
   * The files service's way in (#38): an access point on `/homes` (never `/volumes`) as root, which it needs to give
   * what it writes to each home's owner; NFS from its security group; mount, write and root access through that access
   * point only.
   */
  grantFilesService(grantee: IGrantable, peer: ISecurityGroup): AccessPoint {
    const point = this.fileSystem.addAccessPoint('Files', {
      path: '/homes',
      posixUser: { uid: '0', gid: '0' },
      // As EFS makes it for the first user's access point would be no better: others may pass, not list.
      createAcl: { ownerUid: '0', ownerGid: '0', permissions: '711' },
    });
    this.mountTargets.addIngressRule(peer, Port.tcp(2049), 'NFS from the router task (its files service)');
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: [
          'elasticfilesystem:ClientMount',
          'elasticfilesystem:ClientWrite',
          'elasticfilesystem:ClientRootAccess',
        ],
        resources: [this.fileSystem.fileSystemArn],
        conditions: {
          Bool: { 'elasticfilesystem:AccessedViaMountTarget': 'true' },
          StringEquals: { 'elasticfilesystem:AccessPointArn': point.accessPointArn },
        },
      }),
    );
    return point;
  }

  /** Lets the API make users' access points on this file system (and read their state), tagged as ours. */
  grantCreateAccessPoints(grantee: IGrantable): void {
    const accessPoints = this.accessPointArns();
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['elasticfilesystem:CreateAccessPoint'],
        resources: [this.fileSystem.fileSystemArn],
      }),
    );
    // Tags only as part of the create (the owner's tag), never on another resource.
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['elasticfilesystem:TagResource'],
        resources: [accessPoints],
        conditions: { StringEquals: { 'elasticfilesystem:CreateAction': 'CreateAccessPoint' } },
      }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['elasticfilesystem:DescribeAccessPoints'], resources: [accessPoints] }),
    );
    this.acknowledgeAccessPoints(
      grantee,
      "Users' access points are made at run time (their ids are unknown here): tagging only as part of CreateAccessPoint, and reading their state.",
    );
  }
}
