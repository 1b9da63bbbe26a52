import type { RegisterTaskDefinitionCommandInput, TaskDefinition } from '@aws-sdk/client-ecs';

/** The echo app's task definition as the stack makes it (AppTaskDefinitions), for the registry's tests. */
export const ECHO_BASE = {
  family: 'sessionplane-echo',
  taskRoleArn: 'arn:aws:iam::123456789012:role/echo-task',
  executionRoleArn: 'arn:aws:iam::123456789012:role/echo-exec',
  networkMode: 'awsvpc',
  requiresCompatibilities: ['FARGATE'],
  cpu: '256',
  memory: '512',
  containerDefinitions: [
    {
      name: 'app',
      image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/cdk-hnb659fds-container-assets:abc',
      user: '1000',
      essential: true,
      readonlyRootFilesystem: true,
      portMappings: [{ containerPort: 8080, protocol: 'tcp' }],
      environment: [{ name: 'MODE', value: 'demo' }],
      logConfiguration: {
        logDriver: 'awslogs',
        options: {
          'awslogs-group': '/sessionplane/apps/echo',
          'awslogs-stream-prefix': 'session',
          'awslogs-region': 'eu-west-1',
        },
      },
    },
  ],
} satisfies RegisterTaskDefinitionCommandInput;

/** ECHO_BASE as ECS describes a registered revision of it (the fields ECS adds). */
export function describedEcho(revision: number): TaskDefinition {
  return {
    ...ECHO_BASE,
    taskDefinitionArn: `arn:aws:ecs:eu-west-1:123456789012:task-definition/${ECHO_BASE.family}:${revision}`,
    revision,
    status: 'ACTIVE',
    compatibilities: ['EC2', 'FARGATE'],
    registeredAt: new Date(),
  };
}
