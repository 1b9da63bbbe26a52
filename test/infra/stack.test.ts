import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { FINAL_STATUSES } from '../../shared/domain/session';
import type { Stack } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import type * as z from 'zod';
import { ENV } from '../../shared/config/env-names';
import { FUNCTION_ENV_SCHEMAS, type FunctionName } from '../../shared/config/lambda-env';
import { SESSIONS_TABLE as T } from '../../shared/config/table';
import { actionsOf, statements, synthStack } from '../support/infra';
import type { Template } from 'aws-cdk-lib/assertions';

/** The keys a function's env schema requires (not optional, no default). */
function requiredKeys(name: FunctionName): string[] {
  const shape = (FUNCTION_ENV_SCHEMAS[name] as unknown as z.ZodObject).shape;
  return Object.entries(shape)
    .filter(([, schema]) => !(schema as z.ZodType).safeParse(undefined).success)
    .map(([k]) => k);
}

describe('the CDK stack (synthesized with cdk-nag AwsSolutions: no unacknowledged finding)', () => {
  let template: Template;
  let stack: Stack;
  let functions: Record<
    string,
    {
      Properties: {
        Environment: { Variables: Record<string, unknown> };
        Runtime: string;
        Architectures: string[];
        Role: unknown;
      };
    }
  >;
  const fnNamed = (name: string) =>
    Object.values(functions).find((f) => f.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME === name)!;

  beforeAll(() => {
    ({ template, stack } = synthStack({
      gpuInstanceType: 'g5.xlarge',
      certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc',
      domainName: 'viz.example.org',
      imagePrefixes: '123456789012.dkr.ecr.us-east-1.amazonaws.com/apps:,ghcr.io/acme/',
    }));
    functions = template.findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: { POWERTOOLS_SERVICE_NAME: Match.anyValue() } } },
    }) as typeof functions;
  }, 120_000);

  it('keeps sessions in an on-demand table with PITR, deletion protection, TTL, both GSIs, retained', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        DeletionProtectionEnabled: true,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        GlobalSecondaryIndexes: Match.arrayWith([
          Match.objectLike({
            IndexName: T.byOwnerIndex.name,
            KeySchema: [
              { AttributeName: 'owner', KeyType: 'HASH' },
              { AttributeName: 'createdAt', KeyType: 'RANGE' },
            ],
          }),
          Match.objectLike({
            IndexName: T.liveIndex.name,
            KeySchema: [
              { AttributeName: 'liveShard', KeyType: 'HASH' },
              { AttributeName: 'createdAt', KeyType: 'RANGE' },
            ],
          }),
        ]),
      },
    });
  });

  it('runs every function on Node.js 24, arm64', () => {
    expect(Object.keys(functions)).toHaveLength(8);
    for (const f of Object.values(functions)) {
      expect(f.Properties.Runtime).toBe('nodejs24.x');
      expect(f.Properties.Architectures).toEqual(['arm64']);
    }
  });

  it.each(Object.keys(FUNCTION_ENV_SCHEMAS) as FunctionName[])('sets every key the %s env schema requires', (name) => {
    const env = fnNamed(name).Properties.Environment.Variables;
    // AWS_REGION is the Lambda runtime's own (a function may not set it).
    const missing = requiredKeys(name).filter((k) => env[k] === undefined && k !== ENV.awsRegion);
    expect(missing).toEqual([]);
    // The literal ones parse as the function will parse them.
    const literal = Object.fromEntries(Object.entries(env).filter(([, v]) => typeof v === 'string')) as Record<
      string,
      string
    >;
    const shape = (FUNCTION_ENV_SCHEMAS[name] as unknown as z.ZodObject).shape;
    for (const [k, v] of Object.entries(literal))
      if (shape[k]) expect((shape[k] as z.ZodType).safeParse(v).success, `${name} ${k}=${v}`).toBe(true);
  });

  it('warns at synth, by name, about an app in the apps file that it cannot run (no image)', () => {
    const warnings = Annotations.fromStack(stack).findWarning(
      '*',
      Match.stringLikeRegexp('App local-only has no image'),
    );
    expect(warnings).toHaveLength(1);
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('App viz '))).toHaveLength(0);
  });

  it('passes the imagePrefixes context to the function that launches, as SESSIONPLANE_IMAGE_PREFIXES', () => {
    expect(fnNamed('api-write').Properties.Environment.Variables[ENV.imagePrefixes]).toBe(
      '123456789012.dkr.ecr.us-east-1.amazonaws.com/apps:,ghcr.io/acme/',
    );
    for (const name of ['api-read', 'api-catalog', 'task-events', 'reaper'])
      expect(fnNamed(name).Properties.Environment.Variables[ENV.imagePrefixes]).toBeUndefined();
  });

  it("tells the function that launches the API's own address, for SESSION_ACTIVITY_URL (no cycle: the API does not need it)", () => {
    expect(JSON.stringify(fnNamed('api-write').Properties.Environment.Variables[ENV.apiUrl])).toContain('HttpApi');
  });

  it('grants no "*" action, and a "*" resource only where the action takes none', () => {
    const all = statements(template);
    for (const { statement } of all)
      for (const a of actionsOf(statement)) expect(a).not.toMatch(/^(\*|[a-z0-9-]+:\*)$/);
    const starred = all
      .filter(({ statement }) => [statement.Resource].flat().includes('*'))
      .map(({ statement }) => ({ actions: actionsOf(statement), condition: statement.Condition }));
    // ecr:GetAuthorizationToken takes no resource; ecs:ListTasks neither, so it is bound by a condition.
    expect(starred).toEqual(expect.arrayContaining([{ actions: ['ecr:GetAuthorizationToken'], condition: undefined }]));
    for (const s of starred) {
      if (s.actions.includes('ecs:ListTasks'))
        expect(s.condition).toMatchObject({ ArnEquals: { 'ecs:cluster': expect.anything() } });
      // The registry's: registration only with its tags (aws:RequestTag); describe and deregister take no resource.
      else if (s.actions.includes('ecs:RegisterTaskDefinition'))
        expect(s.condition).toMatchObject({ StringEquals: { 'aws:RequestTag/sessionplane:registry': 'image' } });
      else
        expect(
          s.actions.every((a) =>
            [
              'ecr:GetAuthorizationToken',
              // The pool keeper's table stream: ListStreams names no stream.
              'dynamodb:ListStreams',
              'ecs:DiscoverPollEndpoint',
              'ecs:Submit*',
              'ecs:Poll',
              'ecs:StartTelemetrySession',
              'ecs:RegisterContainerInstance',
              'ecs:DeregisterContainerInstance',
              'ecs:DescribeTaskDefinition',
              'ecs:DeregisterTaskDefinition',
              'logs:CreateLogStream',
              'logs:PutLogEvents',
            ].includes(a),
          ),
          JSON.stringify(s),
        ).toBe(true);
    }
  });

  it('lets RunTask reach only our task definitions in our cluster, and PassRole only their roles, to ECS tasks', () => {
    const all = statements(template).map((s) => s.statement);
    // api-write (launches), the pool keeper (pools) and the queue's dispatcher (waiting launches), the same grant each.
    const runTask = all.filter((s) => actionsOf(s).includes('ecs:RunTask'));
    expect(runTask).toHaveLength(3);
    for (const statement of runTask) {
      expect(JSON.stringify(statement.Resource)).toMatch(
        /task-definition\/sessionplane-viz:\*.*task-definition\/sessionplane-spot:\*.*task-definition\/sessionplane-gpu:\*.*task-definition\/sessionplane-_labelled:\*/,
      );
      expect(statement.Condition).toEqual({
        ArnEquals: { 'ecs:cluster': { 'Fn::GetAtt': [expect.stringMatching(/^Cluster/), 'Arn'] } },
      });
    }
    const passRole = all.filter((s) => actionsOf(s).includes('iam:PassRole'));
    expect(passRole).toHaveLength(3);
    for (const statement of passRole)
      expect(statement.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } });
    expect((passRole[0]!.Resource as unknown[]).length).toBe(8); // a task role and an execution role per app, and the labelled images' definition
    for (const s of all.filter((st) => actionsOf(st).some((a) => ['ecs:StopTask', 'ecs:DescribeTasks'].includes(a)))) {
      expect(JSON.stringify(s.Resource)).toMatch(/:task\/",\{"Ref":"Cluster[0-9A-F]+"\},"\/\*"/);
    }
  });

  it('gives each function only the DynamoDB actions it uses', () => {
    const byRole = (name: string) => JSON.stringify(fnNamed(name).Properties.Role);
    const dynamo = (name: string) =>
      statements(template)
        .filter(({ policy }) =>
          JSON.stringify(template.findResources('AWS::IAM::Policy')[policy]!.Properties.Roles).includes(
            byRole(name).match(/"([A-Za-z0-9]+)"/)![1]!,
          ),
        )
        .flatMap(({ statement }) => actionsOf(statement).filter((a) => a.startsWith('dynamodb:')))
        .sort();
    expect(dynamo('api-read')).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query']);
    expect(dynamo('api-write')).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
    expect(dynamo('api-catalog')).toEqual(['dynamodb:GetItem']); // the image snapshot
    // PutItem: the usage record of a session it ends (conditional: one per session).
    // DeleteItem of the grantee index's pointers only (a session it ends leaves the index), never of a session.
    expect(dynamo('task-events')).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ]);
    const deletes = statements(template).filter(({ statement }) => JSON.stringify(statement).includes('share#*'));
    expect(deletes.map(({ statement }) => [statement.Action, statement.Condition])).toEqual([
      ['dynamodb:DeleteItem', { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['share#*'] } }],
    ]);
    expect(dynamo('reaper')).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
    expect(dynamo('image-catalog')).toEqual(['dynamodb:PutItem']);
  });

  it("sends this cluster's task state changes to task-events, and runs the reaper every minute", () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.ecs'],
        'detail-type': ['ECS Task State Change'],
        detail: { clusterArn: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^Cluster'), 'Arn'] }] },
      },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('taskevents'), 'Arn'] } })],
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('reaper'), 'Arn'] } })],
    });
  });

  it("wakes the queue's dispatcher at every session's end (after task-events counted it) and each minute; it may start tasks as api-write does", () => {
    const mappings = (
      Object.values(template.findResources('AWS::Lambda::EventSourceMapping')) as {
        Properties: Record<string, unknown>;
      }[]
    ).filter((m) => /Queuequeue/.test(JSON.stringify(m.Properties.FunctionName)));
    expect(mappings).toHaveLength(1);
    const patterns = (mappings[0]!.Properties.FilterCriteria as { Filters: { Pattern: string }[] }).Filters.map(
      (f) => JSON.parse(f.Pattern) as unknown,
    );
    expect(patterns).toEqual([
      { eventName: ['MODIFY'], dynamodb: { NewImage: { status: { S: [...FINAL_STATUSES] } } } },
    ]);
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('Queuequeue'), 'Arn'] } })],
    });
    // The queue is on: nothing sets its length to 0 any more.
    expect(fnNamed('api-write').Properties.Environment.Variables[ENV.queueMax]).toBeUndefined();
  });

  it('wakes the pool keeper within seconds of a claim: the table streams new images, and only pool records reach it', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', { StreamSpecification: { StreamViewType: 'NEW_IMAGE' } });
    const mappings = (
      Object.values(template.findResources('AWS::Lambda::EventSourceMapping')) as {
        Properties: Record<string, unknown>;
      }[]
    ).filter((m) => /pools/i.test(JSON.stringify(m.Properties.FunctionName)));
    expect(mappings).toHaveLength(1);
    const patterns = (mappings[0]!.Properties.FilterCriteria as { Filters: { Pattern: string }[] }).Filters.map(
      (f) => JSON.parse(f.Pattern) as unknown,
    );
    expect(patterns).toEqual([
      {
        eventName: ['MODIFY'],
        dynamodb: { Keys: { id: { S: [{ prefix: 'pool#' }] } }, NewImage: { state: { S: ['CLAIMED'] } } },
      },
      { eventName: ['REMOVE'], dynamodb: { Keys: { id: { S: [{ prefix: 'pool#' }] } } } },
    ]);
    expect(JSON.stringify(mappings[0]!.Properties.FunctionName)).toMatch(/pools/i);
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('Poolspools'), 'Arn'] } })],
    });
  });

  it('defines one task definition per app with an image: awslogs, non-root, read-only root where allowed, GPU on EC2', () => {
    const defs = template.findResources('AWS::ECS::TaskDefinition', {
      Properties: { Family: Match.stringLikeRegexp('^sessionplane-') },
    });
    expect(
      Object.values(defs)
        .map((d) => (d as { Properties: { Family: string } }).Properties.Family)
        .sort(),
    ).toEqual(['sessionplane-_labelled', 'sessionplane-gpu', 'sessionplane-spot', 'sessionplane-viz']);
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Family: 'sessionplane-viz',
      RequiresCompatibilities: ['FARGATE'],
      NetworkMode: 'awsvpc',
      ContainerDefinitions: [
        Match.objectLike({
          Name: 'app',
          User: '1000',
          ReadonlyRootFilesystem: true,
          PortMappings: [Match.objectLike({ ContainerPort: 8080 })],
          LogConfiguration: Match.objectLike({ LogDriver: 'awslogs' }),
        }),
      ],
      TaskRoleArn: Match.anyValue(),
      ExecutionRoleArn: Match.anyValue(),
    });
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Family: 'sessionplane-gpu',
      RequiresCompatibilities: ['EC2'],
      ContainerDefinitions: [Match.objectLike({ ResourceRequirements: [{ Type: 'GPU', Value: '1' }] })],
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/sessionplane/apps/viz',
      RetentionInDays: 30,
    });
  });

  it('has the API functions check JWTs and personal tokens themselves, and the HTTP API throttle and log access', () => {
    // No gateway authorizer: it would admit JWTs only, and refuse in API Gateway's shape, not the door's.
    expect(Object.keys(template.findResources('AWS::ApiGatewayV2::Authorizer'))).toEqual([]);
    const fns = Object.values(template.findResources('AWS::Lambda::Function')) as {
      Properties: { Environment?: { Variables?: Record<string, unknown> } };
    }[];
    for (const name of ['api-read', 'api-write', 'api-catalog']) {
      const vars = fns.find((f) => f.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === name)!.Properties
        .Environment!.Variables!;
      expect(JSON.stringify(vars.SESSIONPLANE_JWT_ISSUER), name).toContain('cognito-idp');
      expect(vars.SESSIONPLANE_JWT_AUDIENCE, name).toBeDefined();
    }
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 2000 },
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
    });
    for (const route of [
      'GET /sessions',
      'POST /sessions',
      'GET /tokens',
      'POST /paraview',
      'GET /skaha/{proxy+}',
      'GET /healthz',
    ])
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: route, AuthorizationType: 'NONE' });
  });

  it('has a GPU capacity provider with managed scaling from zero when configured, an ECR repository, and its outputs', () => {
    template.hasResourceProperties('AWS::ECS::CapacityProvider', {
      AutoScalingGroupProvider: Match.objectLike({ ManagedScaling: Match.objectLike({ Status: 'ENABLED' }) }),
    });
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', { MinSize: '0' });
    template.hasResourceProperties('AWS::ECR::Repository', {
      ImageScanningConfiguration: { ScanOnPush: true },
      LifecyclePolicy: Match.anyValue(),
    });
    const outputs = Object.keys(template.toJSON().Outputs as object).join(' ');
    for (const name of ['ApiUrl', 'RouterUrl', 'TableName', 'ClusterName']) expect(outputs).toContain(name);
  });
});

describe('the CDK stack without GPU capacity', () => {
  it('has no GPU capacity provider, no Auto Scaling group, and passes cdk-nag too', () => {
    const { template } = synthStack({});
    template.resourceCountIs('AWS::ECS::CapacityProvider', 0);
    template.resourceCountIs('AWS::AutoScaling::AutoScalingGroup', 0);
    expect(JSON.stringify(template.findResources('AWS::Lambda::Function'))).not.toContain(ENV.gpuCapacityProvider);
  }, 120_000);
});
