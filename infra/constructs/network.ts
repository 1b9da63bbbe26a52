import {
  GatewayVpcEndpointAwsService,
  InterfaceVpcEndpointAwsService,
  IpAddresses,
  Peer,
  Port,
  SecurityGroup,
  SubnetType,
  Vpc,
  FlowLogDestination,
  type IVpc,
} from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';

export interface NetworkProps {
  vpcId?: string | undefined;
  natGateways: number;
  vpcEndpoints: boolean;
}

/**
 * The VPC (new, or an existing one by id), private subnets for tasks, and the session security
 * group: task ports are open to the router and the task-events probe only.
 */
export class Network extends Construct {
  readonly vpc: IVpc;
  /** On every session task. */
  readonly sessionsSg: SecurityGroup;
  /** On the router's tasks. */
  readonly routerSg: SecurityGroup;
  /** On the task-events function, which probes task ports from inside the VPC. */
  readonly probeSg: SecurityGroup;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    this.vpc = props.vpcId
      ? Vpc.fromLookup(this, 'Vpc', { vpcId: props.vpcId })
      : new Vpc(this, 'Vpc', {
          ipAddresses: IpAddresses.cidr('10.40.0.0/16'),
          maxAzs: 2,
          natGateways: props.natGateways,
          subnetConfiguration: [
            { name: 'public', subnetType: SubnetType.PUBLIC, cidrMask: 24 },
            {
              name: 'private',
              subnetType: props.natGateways > 0 ? SubnetType.PRIVATE_WITH_EGRESS : SubnetType.PRIVATE_ISOLATED,
              cidrMask: 20,
            },
          ],
          flowLogs: { all: { destination: FlowLogDestination.toCloudWatchLogs() } },
        });
    this.routerSg = new SecurityGroup(this, 'RouterSg', { vpc: this.vpc, description: 'Sessionplane router tasks' });
    this.probeSg = new SecurityGroup(this, 'ProbeSg', {
      vpc: this.vpc,
      description: 'Sessionplane task-events function (probes task ports)',
    });
    this.sessionsSg = new SecurityGroup(this, 'SessionsSg', {
      vpc: this.vpc,
      description: 'Sessionplane session tasks: reachable from the router and the probe only',
    });
    if (props.vpcEndpoints) this.addEndpoints();
  }

  /**
   * Gateway endpoints for S3 and DynamoDB, and interface endpoints for what a task, the router and the probe call
   * without NAT (ECR, its layers, CloudWatch Logs, ECS, and KMS, which a built app's entrypoint unseals its secret
   * with). Their security group admits HTTPS from the stack's own groups only (cdk-nag's EC23 cannot evaluate the
   * VPC-CIDR rule `open: true` makes, and a CIDR is wider than needed).
   */
  private addEndpoints(): void {
    const subnets = { subnets: this.privateSubnets };
    this.vpc.addGatewayEndpoint('S3', { service: GatewayVpcEndpointAwsService.S3 });
    this.vpc.addGatewayEndpoint('DynamoDb', { service: GatewayVpcEndpointAwsService.DYNAMODB });
    const endpointsSg = new SecurityGroup(this, 'EndpointsSg', {
      vpc: this.vpc,
      description: 'Sessionplane VPC endpoints: HTTPS from the router, session tasks and the probe',
      allowAllOutbound: false,
    });
    for (const [peer, name] of [
      [this.routerSg, 'router'],
      [this.sessionsSg, 'session tasks'],
      [this.probeSg, 'task-events probe'],
    ] as const)
      endpointsSg.addIngressRule(Peer.securityGroupId(peer.securityGroupId), Port.tcp(443), `HTTPS from the ${name}`);
    for (const [name, service] of [
      ['EcrApi', InterfaceVpcEndpointAwsService.ECR],
      ['EcrDocker', InterfaceVpcEndpointAwsService.ECR_DOCKER],
      ['Logs', InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS],
      ['Ecs', InterfaceVpcEndpointAwsService.ECS],
      ['Kms', InterfaceVpcEndpointAwsService.KMS],
    ] as const) {
      this.vpc.addInterfaceEndpoint(name, { service, subnets, open: false, securityGroups: [endpointsSg] });
    }
  }

  /** Opens the apps' ports on session tasks to the router and the probe, and nothing else. */
  allowSessionPorts(ports: number[]): void {
    for (const port of new Set(ports)) {
      this.sessionsSg.addIngressRule(
        Peer.securityGroupId(this.routerSg.securityGroupId),
        Port.tcp(port),
        `router to session apps on ${port}`,
      );
      this.sessionsSg.addIngressRule(
        Peer.securityGroupId(this.probeSg.securityGroupId),
        Port.tcp(port),
        `readiness probe on ${port}`,
      );
    }
  }

  /** The subnets tasks and in-VPC functions run in. */
  get privateSubnets() {
    return this.vpc.privateSubnets.length ? this.vpc.privateSubnets : this.vpc.isolatedSubnets;
  }
}
