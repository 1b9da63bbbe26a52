import { Stack, type CfnElement } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { ICluster, TaskDefinition } from 'aws-cdk-lib/aws-ecs';
import { PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { SESSIONS_TABLE as T } from '../../shared/config/table';
import { acknowledge, nagAccount } from './nag';

/** cdk-nag's id of a wildcard resource finding, as it prints it. */
function wildcardFinding(cluster: ICluster, resource: string): string {
  const stack = Stack.of(cluster);
  const clusterId = stack.getLogicalId(cluster.node.defaultChild as CfnElement);
  return `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecs:${stack.region}:${nagAccount(stack)}:${resource.replace('{cluster}', `<${clusterId}>`)}]`;
}

const TASK_IDS = "Task ids are made by RunTask, so the grant names this cluster's tasks: task/<cluster>/*.";

/** Exactly these DynamoDB actions, on the sessions table and its indexes. */
export function grantTable(grantee: IGrantable, table: ITable, actions: string[]): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({
      actions: actions.map((a) => `dynamodb:${a}`),
      resources: [
        table.tableArn,
        `${table.tableArn}/index/${T.byOwnerIndex.name}`,
        `${table.tableArn}/index/${T.liveIndex.name}`,
      ],
    }),
  );
}

/**
 * DeleteItem of the grantee index's pointers only (items whose key starts `share#`), never of a
 * session: for a function that ends sessions but deletes nothing else.
 */
export function grantShareIndexCleanup(grantee: IGrantable, table: ITable): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['dynamodb:DeleteItem'],
      resources: [table.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['share#*'] } },
    }),
  );
}

/**
 * PutItem of sign-out records only (`signout#` keys), for the portal on the router service: nothing else it may write.
 */
export function grantSignOuts(grantee: IGrantable, table: ITable): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['dynamodb:PutItem'],
      resources: [table.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['signout#*'] } },
    }),
  );
}

/**
 * The files service (beside the router, #38): reads a caller's personal token (`token#`) and their uid (`user#`), and
 * allocates a uid on a first use as a first launch would (the counter's ADD, the user's conditional put); nothing else.
 */
export function grantHomeFileUsers(grantee: IGrantable, table: ITable): void {
  const keys = (actions: string[], leading: string[]) =>
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: actions.map((a) => `dynamodb:${a}`),
        resources: [table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': leading } },
      }),
    );
  keys(['GetItem'], ['token#*', 'user#*']);
  keys(['PutItem'], ['user#*']);
  keys(['UpdateItem'], ['users#uid-counter']);
}

const tasksOf = (cluster: ICluster) =>
  Stack.of(cluster).formatArn({ service: 'ecs', resource: 'task', resourceName: `${cluster.clusterName}/*` });

/**
 * RunTask of our task definitions only, in this cluster only; tagging only as part of RunTask;
 * PassRole of their task and execution roles only, to ECS tasks only.
 */
export function grantRunTasks(grantee: IGrantable, cluster: ICluster, taskDefinitions: TaskDefinition[]): void {
  if (!taskDefinitions.length) return;
  const stack = Stack.of(cluster);
  const findings: Record<string, string> = { [wildcardFinding(cluster, 'task/{cluster}/*')]: TASK_IDS };
  for (const t of taskDefinitions)
    findings[wildcardFinding(cluster, `task-definition/${t.family}:*`)] =
      'Any revision of our own task definition family, which the stack replaces on each deploy.';
  acknowledge(grantee as unknown as IConstruct, findings);
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['ecs:RunTask'],
      resources: taskDefinitions.map((t) =>
        stack.formatArn({ service: 'ecs', resource: 'task-definition', resourceName: `${t.family}:*` }),
      ),
      conditions: { ArnEquals: { 'ecs:cluster': cluster.clusterArn } },
    }),
  );
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['ecs:TagResource'],
      resources: [tasksOf(cluster)],
      conditions: { StringEquals: { 'ecs:CreateAction': 'RunTask' } },
    }),
  );
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['iam:PassRole'],
      resources: taskDefinitions.flatMap((t) => [t.taskRole.roleArn, t.obtainExecutionRole().roleArn]),
      conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
    }),
  );
}

/** StopTask / DescribeTasks on this cluster's tasks only. */
export function grantTaskControl(
  grantee: IGrantable,
  cluster: ICluster,
  actions: ('StopTask' | 'DescribeTasks')[],
): void {
  acknowledge(grantee as unknown as IConstruct, { [wildcardFinding(cluster, 'task/{cluster}/*')]: TASK_IDS });
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({ actions: actions.map((a) => `ecs:${a}`), resources: [tasksOf(cluster)] }),
  );
}

/** ListTasks names no resource ARN; the condition keeps it to this cluster. */
export function grantListTasks(grantee: IGrantable, cluster: ICluster): void {
  acknowledge(grantee as unknown as IConstruct, {
    'AwsSolutions-IAM5[Resource::*]':
      'ecs:ListTasks takes no resource ARN; the ecs:cluster condition keeps it to this cluster.',
  });
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['ecs:ListTasks'],
      resources: ['*'],
      conditions: { ArnEquals: { 'ecs:cluster': cluster.clusterArn } },
    }),
  );
}

/**
 * The task-definition registry (api-write): DescribeTaskDefinition and RegisterTaskDefinition take
 * no resource ARN, so registration is allowed only with the registry's tags and only in our
 * families (the tag is set only by RegisterTaskDefinition); PassRole stays grantRunTasks's (the app roles only).
 */
export function grantRegisterTaskDefinitions(grantee: IGrantable, taskDefinitions: TaskDefinition[]): void {
  if (!taskDefinitions.length) return;
  const stack = Stack.of(grantee as unknown as IConstruct);
  acknowledge(grantee as unknown as IConstruct, {
    'AwsSolutions-IAM5[Resource::*]':
      'ecs:DescribeTaskDefinition and ecs:RegisterTaskDefinition take no resource ARN; registration is conditioned on the registry tag.',
    ...Object.fromEntries(
      taskDefinitions.map((t) => [
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecs:${stack.region}:${nagAccount(stack)}:task-definition/${t.family}:*]`,
        'Any revision of our own task definition family: the registry adds revisions to it.',
      ]),
    ),
  });
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({ actions: ['ecs:DescribeTaskDefinition'], resources: ['*'] }),
  );
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['ecs:RegisterTaskDefinition'],
      resources: ['*'],
      conditions: {
        StringEquals: { 'aws:RequestTag/sessionplane:registry': 'image' },
        StringLike: { 'aws:RequestTag/sessionplane:app': '*' },
        'ForAllValues:StringEquals': { 'aws:TagKeys': ['sessionplane:app', 'sessionplane:registry'] },
      },
    }),
  );
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['ecs:TagResource'],
      resources: taskDefinitions.map((t) =>
        stack.formatArn({ service: 'ecs', resource: 'task-definition', resourceName: `${t.family}:*` }),
      ),
      conditions: { StringEquals: { 'ecs:CreateAction': 'RegisterTaskDefinition' } },
    }),
  );
}

/** The reaper deregisters the registry's unused revisions; DeregisterTaskDefinition takes no resource ARN. */
export function grantDeregisterTaskDefinitions(grantee: IGrantable): void {
  acknowledge(grantee as unknown as IConstruct, {
    'AwsSolutions-IAM5[Resource::*]':
      'ecs:DeregisterTaskDefinition takes no resource ARN; the reaper deregisters only revisions the registry recorded.',
  });
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({ actions: ['ecs:DeregisterTaskDefinition'], resources: ['*'] }),
  );
}

/** kms:Encrypt of session secrets only, under a session's context (the task decrypts, never the grantee). */
export function grantSealSecrets(grantee: IGrantable, keyArn: string): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['kms:Encrypt'],
      resources: [keyArn],
      conditions: {
        'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['sessionplane:session', 'sessionplane:app'] },
      },
    }),
  );
}
