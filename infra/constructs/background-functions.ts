import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { ISecurityGroup, ISubnet, IVpc } from 'aws-cdk-lib/aws-ec2';
import type { ICluster } from 'aws-cdk-lib/aws-ecs';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ENV } from '../../shared/config/env-names';
import type { IRepository } from 'aws-cdk-lib/aws-ecr';
import {
  grantDeregisterTaskDefinitions,
  grantListTasks,
  grantShareIndexCleanup,
  grantTable,
  grantTaskControl,
} from './grants';
import { SessionFunction } from './session-function';

export interface BackgroundFunctionsProps {
  table: ITable;
  /** The stack's app image repository: image-catalog reads its labelled images into the table each minute. */
  imageRepository: IRepository;
  cluster: ICluster;
  vpc: IVpc;
  subnets: ISubnet[];
  taskSecurityGroup: ISecurityGroup;
  probeSecurityGroup: ISecurityGroup;
  appsFile: string;
  familyPrefix: string;
  containerName: string;
  /** Each app's deployed task definition: the reaper compares pooled instances' spec hashes with it. */
  deployedRevisions: string;
  retention: RetentionDays;
}

/**
 * task-events (ECS Task State Change of this cluster, in the VPC to probe task ports), the
 * reaper (every minute), and image-catalog (every minute).
 */
export class BackgroundFunctions extends Construct {
  readonly taskEvents: SessionFunction;
  readonly reaper: SessionFunction;
  readonly imageCatalog: SessionFunction;
  readonly taskEventsRule: Rule;
  readonly reaperSchedule: Rule;
  /** What every function that starts, stops or judges tasks has in its environment. */
  readonly ecsEnv: Record<string, string>;

  // Over 60 lines: the background functions and their schedules and rules, declared together.
  constructor(scope: Construct, id: string, props: BackgroundFunctionsProps) {
    super(scope, id);
    const ecsEnv = {
      [ENV.tableName]: props.table.tableName,
      [ENV.imageRepository]: props.imageRepository.repositoryUri,
      [ENV.cluster]: props.cluster.clusterArn,
      [ENV.subnets]: props.subnets.map((s) => s.subnetId).join(','),
      [ENV.securityGroups]: props.taskSecurityGroup.securityGroupId,
      [ENV.taskFamilyPrefix]: props.familyPrefix,
      [ENV.containerName]: props.containerName,
      [ENV.taskDefinitions]: props.deployedRevisions,
      [ENV.logLevel]: 'info',
    };

    this.ecsEnv = ecsEnv;
    // Its longest wait is an app's launch timeout (probing the port), so its timeout is generous.
    this.taskEvents = new SessionFunction(this, 'task-events', {
      name: 'task-events',
      environment: ecsEnv,
      appsFile: props.appsFile,
      timeout: Duration.minutes(3),
      retention: props.retention,
      vpc: { vpc: props.vpc, subnets: props.subnets, securityGroups: [props.probeSecurityGroup] },
    });
    grantTable(this.taskEvents.fn, props.table, ['GetItem', 'UpdateItem', 'PutItem']);
    // A session it ends leaves the grantee index: its pointers, and nothing else, may be deleted.
    grantShareIndexCleanup(this.taskEvents.fn, props.table);
    grantTaskControl(this.taskEvents.fn, props.cluster, ['StopTask']);
    this.taskEventsRule = new Rule(this, 'TaskStateChange', {
      description: 'ECS Task State Change of the sessions cluster',
      eventPattern: {
        source: ['aws.ecs'],
        detailType: ['ECS Task State Change'],
        detail: { clusterArn: [props.cluster.clusterArn] },
      },
      targets: [new LambdaFunction(this.taskEvents.fn, { retryAttempts: 4, maxEventAge: Duration.hours(1) })],
    });

    this.reaper = new SessionFunction(this, 'reaper', {
      name: 'reaper',
      environment: { ...ecsEnv, [ENV.reaperConcurrency]: '10', [ENV.reaperBudget]: '50s' },
      appsFile: props.appsFile,
      timeout: Duration.seconds(60),
      retention: props.retention,
      memorySize: 1024,
    });
    // DeleteItem: the registry's records of the revisions it deregisters.
    grantTable(this.reaper.fn, props.table, ['Query', 'GetItem', 'PutItem', 'UpdateItem', 'DeleteItem']);
    grantDeregisterTaskDefinitions(this.reaper.fn);
    grantListTasks(this.reaper.fn, props.cluster);
    grantTaskControl(this.reaper.fn, props.cluster, ['DescribeTasks', 'StopTask']);
    this.reaperSchedule = new Rule(this, 'ReaperSchedule', {
      description: 'One reaper pass a minute',
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaFunction(this.reaper.fn, { retryAttempts: 0 })],
    });

    // The labelled images of the app image repository, into the table each minute; the only ECR reader.
    this.imageCatalog = new SessionFunction(this, 'image-catalog', {
      name: 'image-catalog',
      environment: {
        [ENV.tableName]: props.table.tableName,
        [ENV.imageRepository]: props.imageRepository.repositoryUri,
        [ENV.logLevel]: 'info',
      },
      appsFile: props.appsFile,
      timeout: Duration.seconds(50),
      retention: props.retention,
    });
    grantTable(this.imageCatalog.fn, props.table, ['PutItem']);
    props.imageRepository.grant(
      this.imageCatalog.fn,
      'ecr:DescribeRepositories',
      'ecr:DescribeImages',
      'ecr:BatchGetImage',
      'ecr:GetDownloadUrlForLayer',
    );
    new Rule(this, 'ImageCatalogSchedule', {
      description: "The app image repository's labelled images, into the table, each minute",
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaFunction(this.imageCatalog.fn, { retryAttempts: 0 })],
    });
  }
}
