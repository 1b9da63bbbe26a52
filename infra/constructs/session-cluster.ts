import { Duration } from 'aws-cdk-lib';
import { AutoScalingGroup } from 'aws-cdk-lib/aws-autoscaling';
import {
  BlockDeviceVolume,
  EbsDeviceVolumeType,
  InstanceType,
  LaunchTemplate,
  UserData,
  type IVpc,
  type SecurityGroup,
  type ISubnet,
} from 'aws-cdk-lib/aws-ec2';
import {
  AmiHardwareType,
  AsgCapacityProvider,
  Cluster,
  ContainerInsights,
  EcsOptimizedImage,
} from 'aws-cdk-lib/aws-ecs';
import { Role, ServicePrincipal, ManagedPolicy } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledge } from './nag';

export interface SessionClusterProps {
  vpc: IVpc;
  subnets: ISubnet[];
  securityGroup: SecurityGroup;
  /** GPU capacity: this instance type, scaled from zero by ECS managed scaling. */
  gpuInstanceType?: string | undefined;
  gpuMaxInstances: number;
}

/** The ECS cluster sessions run in: Fargate and Fargate Spot, Container Insights, optional GPU capacity. */
export class SessionCluster extends Construct {
  readonly cluster: Cluster;
  readonly gpuCapacityProvider: AsgCapacityProvider | undefined;

  constructor(scope: Construct, id: string, props: SessionClusterProps) {
    super(scope, id);
    this.cluster = new Cluster(this, 'Cluster', {
      vpc: props.vpc,
      enableFargateCapacityProviders: true,
      containerInsightsV2: ContainerInsights.ENABLED,
    });
    if (!props.gpuInstanceType) return;
    const role = new Role(this, 'GpuInstanceRole', { assumedBy: new ServicePrincipal('ec2.amazonaws.com') });
    role.addManagedPolicy(ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonEC2ContainerServiceforEC2Role'));
    const launchTemplate = new LaunchTemplate(this, 'GpuLaunchTemplate', {
      instanceType: new InstanceType(props.gpuInstanceType),
      machineImage: EcsOptimizedImage.amazonLinux2023(AmiHardwareType.GPU),
      securityGroup: props.securityGroup,
      role,
      requireImdsv2: true,
      userData: UserData.forLinux(),
      blockDevices: [
        {
          deviceName: '/dev/xvda',
          volume: BlockDeviceVolume.ebs(100, { encrypted: true, volumeType: EbsDeviceVolumeType.GP3 }),
        },
      ],
    });
    const asg = new AutoScalingGroup(this, 'GpuInstances', {
      vpc: props.vpc,
      vpcSubnets: { subnets: props.subnets },
      launchTemplate,
      minCapacity: 0,
      maxCapacity: props.gpuMaxInstances,
      newInstancesProtectedFromScaleIn: false,
      defaultInstanceWarmup: Duration.minutes(5),
    });
    this.gpuCapacityProvider = new AsgCapacityProvider(this, 'GpuCapacity', {
      autoScalingGroup: asg,
      enableManagedScaling: true,
      enableManagedTerminationProtection: false,
      enableManagedDraining: true,
      targetCapacityPercent: 100,
    });
    this.cluster.addAsgCapacityProvider(this.gpuCapacityProvider);
    acknowledge(role, {
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role]':
        'The AWS-maintained policy the ECS agent on container instances needs; it follows agent changes.',
      'AwsSolutions-IAM5[Action::ecs:Submit*]':
        'Added by the ECS cluster for its container instances: the agent reports task and container state changes.',
      'AwsSolutions-IAM5[Resource::*]':
        'Added by the ECS cluster for its container instances (ecs:DiscoverPollEndpoint, ecr:GetAuthorizationToken and the like take no resource).',
    });
    acknowledge(asg, {
      'AwsSolutions-AS3':
        'ECS managed scaling drives this group; its activity shows in the capacity provider and CloudWatch, not in notifications.',
    });
  }
}
