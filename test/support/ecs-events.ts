import type { TaskStateChangeEvent } from '../../functions/aws/task-events-handler';

export const CLUSTER_ARN = 'arn:aws:ecs:eu-west-1:123456789012:cluster/sessionplane';

/** An "ECS Task State Change" event shaped like the sample in the ECS developer guide. */
export function taskEvent(
  sessionId: string,
  taskArn: string,
  detail: Partial<TaskStateChangeEvent['detail']> & { ip?: string },
): TaskStateChangeEvent {
  const { ip = '10.0.1.25', ...rest } = detail;
  return {
    version: '0',
    id: '3317b2af-7005-947d-b652-f55e762e571a',
    'detail-type': 'ECS Task State Change',
    source: 'aws.ecs',
    account: '123456789012',
    time: '2026-11-22T07:57:58Z',
    region: 'eu-west-1',
    resources: [taskArn],
    detail: {
      attachments: [
        {
          id: '1789bcae-ddfb-4d10-8ebe-8ac87ddba5b8',
          type: 'eni',
          status: 'ATTACHED',
          details: [
            { name: 'subnetId', value: 'subnet-abcd1234' },
            { name: 'networkInterfaceId', value: 'eni-abcd1234' },
            { name: 'macAddress', value: '0a:98:eb:a7:29:ba' },
            { name: 'privateIPv4Address', value: ip },
          ],
        },
      ],
      availabilityZone: 'eu-west-1a',
      clusterArn: CLUSTER_ARN,
      containers: [{ containerArn: `${taskArn}/container`, lastStatus: 'RUNNING', name: 'app', taskArn }],
      createdAt: '2026-11-22T07:57:34.402Z',
      launchType: 'FARGATE',
      cpu: '256',
      memory: '512',
      desiredStatus: 'RUNNING',
      group: 'family:sessionplane-web',
      lastStatus: 'RUNNING',
      startedBy: `sp-${sessionId}`,
      taskArn,
      taskDefinitionArn: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/sessionplane-web:3',
      version: 4,
      platformVersion: '1.4.0',
      ...rest,
    },
  } as unknown as TaskStateChangeEvent;
}
