import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { RecordedCall } from './aws-recorder';
import type { Cfn, Resources } from './cfn-resolver';

/** One authorization AWS makes for a call: an action on a resource, with the request's condition keys. */
export interface IamRequest {
  action: string;
  resource: string;
  context: Record<string, string | string[]>;
}

export interface Deployment {
  region: string;
  account: string;
  clusterArn: string;
  kmsKeyArn: string;
  /** The roles a task definition names (for iam:PassRole at RunTask and RegisterTaskDefinition). */
  rolesOf: (taskDefinitionArn: string) => Promise<string[]>;
}

type Input = Record<string, unknown>;
const S = (v: unknown) => String(v ?? '');
const tagContext = (tags: { key?: string; Key?: string; value?: string; Value?: string }[] | undefined) =>
  tags?.length
    ? {
        'aws:TagKeys': tags.map((t) => S(t.key ?? t.Key)),
        ...Object.fromEntries(tags.map((t) => [`aws:RequestTag/${S(t.key ?? t.Key)}`, S(t.value ?? t.Value)])),
      }
    : {};

const passRoles = async (at: Deployment, taskDefinitionArn: string): Promise<IamRequest[]> =>
  (await at.rolesOf(taskDefinitionArn)).map((role) => ({
    action: 'iam:PassRole',
    resource: role,
    context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
  }));

// Over 60 lines: one case per AWS operation this project calls, as the Service Authorization Reference defines it.
/**
 * What AWS authorizes for one recorded call (the Service Authorization Reference's resource types and condition keys),
 * including what a call implies: tags on create (ecs:TagResource, with ecs:CreateAction), iam:PassRole of a task's roles.
 * An operation this does not know throws: a new call must be described here before it can pass.
 */
export async function iamRequestsOf(call: RecordedCall, at: Deployment): Promise<IamRequest[]> {
  const arn = (service: string, resource: string) => `arn:aws:${service}:${at.region}:${at.account}:${resource}`;
  const i = call.input as Input;
  const clusterArn = (c: unknown) => (S(c).startsWith('arn:') ? S(c) : arn('ecs', `cluster/${S(c) || 'default'}`));
  const clusterName = (c: unknown) => clusterArn(c).split('/').at(-1)!;
  const taskArn = (t: unknown, c: unknown) =>
    S(t).startsWith('arn:') ? S(t) : arn('ecs', `task/${clusterName(c)}/${S(t)}`);
  const definitionArn = (t: unknown) => (S(t).startsWith('arn:') ? S(t) : arn('ecs', `task-definition/${S(t)}`));
  const table = (name: unknown, index?: unknown) =>
    arn('dynamodb', `table/${S(name)}${index ? `/index/${S(index)}` : ''}`);
  const leading = (key: unknown): Record<string, string[]> => {
    const id = (key as Record<string, { S?: string }> | undefined)?.id?.S;
    return id === undefined ? {} : { 'dynamodb:LeadingKeys': [id] };
  };
  const op = `${call.service}:${call.operation}`;
  switch (op) {
    case 'ecs:RunTask': {
      const out = (call.output.tasks as { taskArn: string }[] | undefined)?.[0];
      const cluster = clusterArn(i.cluster);
      return [
        { action: 'ecs:RunTask', resource: definitionArn(i.taskDefinition), context: { 'ecs:cluster': cluster } },
        ...(Array.isArray(i.tags) && i.tags.length && out
          ? [
              {
                action: 'ecs:TagResource',
                resource: out.taskArn,
                context: { 'ecs:CreateAction': 'RunTask', ...tagContext(i.tags as never) },
              },
            ]
          : []),
        ...(await passRoles(at, definitionArn(i.taskDefinition))),
      ];
    }
    case 'ecs:StopTask':
      return [
        {
          action: 'ecs:StopTask',
          resource: taskArn(i.task, i.cluster),
          context: { 'ecs:cluster': clusterArn(i.cluster) },
        },
      ];
    case 'ecs:DescribeTasks':
      return (i.tasks as string[]).map((t) => ({
        action: 'ecs:DescribeTasks',
        resource: taskArn(t, i.cluster),
        context: { 'ecs:cluster': clusterArn(i.cluster) },
      }));
    case 'ecs:ListTasks':
      // No container instance is named (Fargate): AWS authorizes it against any, on the cluster's condition key.
      return [
        {
          action: 'ecs:ListTasks',
          resource: arn('ecs', `container-instance/${clusterName(i.cluster)}/${S(i.containerInstance) || 'any'}`),
          context: { 'ecs:cluster': clusterArn(i.cluster) },
        },
      ];
    case 'ecs:RegisterTaskDefinition': {
      const registered = S((call.output.taskDefinition as Input | undefined)?.taskDefinitionArn);
      return [
        { action: 'ecs:RegisterTaskDefinition', resource: registered, context: tagContext(i.tags as never) },
        ...(Array.isArray(i.tags) && i.tags.length
          ? [
              {
                action: 'ecs:TagResource',
                resource: registered,
                context: { 'ecs:CreateAction': 'RegisterTaskDefinition', ...tagContext(i.tags as never) },
              },
            ]
          : []),
        ...[i.taskRoleArn, i.executionRoleArn].filter(Boolean).map((role) => ({
          action: 'iam:PassRole',
          resource: S(role),
          context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
        })),
      ];
    }
    case 'ecs:DescribeTaskDefinition':
    case 'ecs:DeregisterTaskDefinition':
      return [{ action: op, resource: '*', context: {} }];
    case 'dynamodb:GetItem':
    case 'dynamodb:PutItem':
    case 'dynamodb:UpdateItem':
    case 'dynamodb:DeleteItem':
      return [{ action: op, resource: table(i.TableName), context: leading(i.Key ?? i.Item) }];
    case 'dynamodb:Query':
    case 'dynamodb:Scan':
      return [{ action: op, resource: table(i.TableName, i.IndexName), context: {} }];
    case 'dynamodb:DescribeTable':
      return [{ action: op, resource: table(i.TableName), context: {} }];
    case 'dynamodb:BatchWriteItem':
    case 'dynamodb:BatchGetItem':
      return Object.keys(i.RequestItems as Input).map((name) => ({ action: op, resource: table(name), context: {} }));
    case 'dynamodb:TransactWriteItems':
    case 'dynamodb:TransactGetItems':
      // No action of its own: each item is authorized as the operation it is.
      return (i.TransactItems as Record<string, Input>[]).flatMap((item) =>
        Object.entries(item).map(([kind, x]) => ({
          action: `dynamodb:${kind === 'ConditionCheck' ? 'ConditionCheckItem' : kind === 'Update' ? 'UpdateItem' : `${kind}Item`}`,
          resource: table(x.TableName),
          context: leading(x.Key ?? x.Item),
        })),
      );
    case 'kms:Encrypt':
    case 'kms:Decrypt':
    case 'kms:GenerateDataKey': {
      const context = (i.EncryptionContext as Record<string, string> | undefined) ?? {};
      return [
        {
          action: op,
          // Decrypt of a symmetric ciphertext names no key: the key is the one that sealed it (this deployment's).
          resource: i.KeyId ? S(i.KeyId) : at.kmsKeyArn,
          context: {
            'kms:CallerAccount': at.account,
            'kms:EncryptionContextKeys': Object.keys(context),
            ...Object.fromEntries(Object.entries(context).map(([k, v]) => [`kms:EncryptionContext:${k}`, v])),
          },
        },
      ];
    }
    case 'ssm:GetParameters':
      // ECS reading a task's secrets with its execution role (by name, each a parameter of this account and region).
      return (i.Names as string[]).map((name) => ({
        action: op,
        resource: arn('ssm', `parameter/${name.replace(/^\//, '')}`),
        context: {},
      }));
    case 'ecr:DescribeImages':
    case 'ecr:ListImages':
    case 'ecr:BatchGetImage':
    case 'ecr:GetDownloadUrlForLayer':
    case 'ecr:DescribeRepositories':
      return [
        {
          action: op,
          resource: arn('ecr', `repository/${S(i.repositoryName ?? (i.repositoryNames as string[])?.[0])}`),
          context: {},
        },
      ];
    case 'elasticfilesystem:CreateAccessPoint': {
      const fs = arn('elasticfilesystem', `file-system/${S(i.FileSystemId)}`);
      const created = S(call.output.AccessPointArn);
      return [
        { action: op, resource: fs, context: tagContext(i.Tags as never) },
        ...(Array.isArray(i.Tags) && i.Tags.length
          ? [
              {
                action: 'elasticfilesystem:TagResource',
                resource: created,
                context: { 'elasticfilesystem:CreateAction': 'CreateAccessPoint', ...tagContext(i.Tags as never) },
              },
            ]
          : []),
      ];
    }
    case 'elasticfilesystem:DescribeAccessPoints':
      return [
        {
          action: op,
          resource: i.AccessPointId
            ? arn('elasticfilesystem', `access-point/${S(i.AccessPointId)}`)
            : arn('elasticfilesystem', `file-system/${S(i.FileSystemId)}`),
          context: {},
        },
      ];
    case 'logs:GetLogEvents':
      return [
        {
          action: op,
          resource: arn('logs', `log-group:${S(i.logGroupName)}:log-stream:${S(i.logStreamName)}`),
          context: {},
        },
      ];
    default:
      throw new Error(`iamRequestsOf: no authorization known for ${op}; describe it before it can pass`);
  }
}

/** The identity policies attached to a role of the template, their intrinsic functions resolved. */
export function policiesOfRole(
  resources: Resources,
  roleLogicalId: string,
  resolveDeep: (v: Cfn) => unknown,
): { name: string; policy: unknown }[] {
  return Object.entries(resources)
    .filter(
      ([, r]) =>
        r.Type === 'AWS::IAM::Policy' &&
        (r.Properties!.Roles as { Ref?: string }[]).some((role) => role.Ref === roleLogicalId),
    )
    .map(([id, r]) => ({ name: id, policy: resolveDeep(r.Properties!.PolicyDocument) }));
}

/** The role a Lambda function or a task definition runs as (its logical id), from `Fn::GetAtt: [role, Arn]`. */
export function roleIdOf(value: Cfn): string {
  return ((value as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'] ?? [])[0]!;
}

export interface Verdict {
  request: IamRequest;
  result: string;
  detail?: string;
}

/*
 * iam-simulate 0.1.173 drops the context keys `kms:EncryptionContext:<key>` (its match of variable keys knows only
 * `prefix/<variable>`), so a condition on them could never hold. Both the policies and the request carry them under
 * a global variable key it does evaluate, `aws:PrincipalTag/kms-encryption-context:<key>`: same operators, same values.
 */
const CONTEXT_KEY = /^kms:EncryptionContext:(.+)$/i;
const carried = (key: string) => key.replace(CONTEXT_KEY, 'aws:PrincipalTag/kms-encryption-context:$1');

function carryEncryptionContext(policy: unknown): unknown {
  if (Array.isArray(policy)) return policy.map(carryEncryptionContext);
  if (typeof policy !== 'object' || policy === null) return policy;
  return Object.fromEntries(Object.entries(policy).map(([k, v]) => [carried(k), carryEncryptionContext(v)]));
}

/** Each request evaluated against the role's identity policies (and, for KMS, the key's policy). */
export async function evaluate(
  principal: string,
  account: string,
  requests: IamRequest[],
  identityPolicies: { name: string; policy: unknown }[],
  resourcePolicyOf: (request: IamRequest) => unknown,
): Promise<Verdict[]> {
  const verdicts: Verdict[] = [];
  for (const request of requests) {
    const resourcePolicy = resourcePolicyOf(request);
    const response = await runSimulation(
      {
        request: {
          principal,
          action: request.action,
          resource: { resource: request.resource, accountId: account },
          contextVariables: Object.fromEntries(Object.entries(request.context).map(([k, v]) => [carried(k), v])),
        },
        identityPolicies: identityPolicies.map(({ name, policy }) => ({
          name,
          policy: carryEncryptionContext(policy),
        })),
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        ...(resourcePolicy ? { resourcePolicy: carryEncryptionContext(resourcePolicy) } : {}),
      },
      {},
    );
    verdicts.push(
      response.resultType === 'error'
        ? { request, result: 'Error', detail: JSON.stringify(response.errors) }
        : { request, result: response.overallResult },
    );
  }
  return verdicts;
}

/** The actions the policies grant (as written: this project's grants name actions, never patterns). */
export function grantedActions(identityPolicies: { policy: unknown }[]): Set<string> {
  const actions = new Set<string>();
  for (const { policy } of identityPolicies)
    for (const statement of (policy as { Statement: { Effect: string; Action: string | string[] }[] }).Statement)
      if (statement.Effect === 'Allow') for (const a of [statement.Action].flat()) actions.add(a);
  return actions;
}
