import { Duration } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import { ENV } from '../../shared/config/env-names';
import { grantTaskControl } from './grants';
import type { Homes } from './homes';
import type { SessionFunction } from './session-function';
import { taskStarter, type TaskStarterProps } from './task-starter';

export interface QueueDispatcherProps extends TaskStarterProps {
  /** The per-user limits and the queue's settings (the API functions' own). */
  userLimits: Record<string, string>;
  homes: Homes;
}

/**
 * The launch queue's dispatcher: launches that found no room (their owner's cap, Fargate's capacity, ECS throttling)
 * wait QUEUED, and this starts them in order as room comes. A pass within about a second of any session's end (the
 * table's stream, filtered to records that became STOPPED, FAILED or COMPLETED: written after task-events counted the
 * end, so the room is there) and one each minute (capacity that comes back by itself). It starts tasks as api-write
 * does, so it holds the same start permissions (and homes' access points); nothing else.
 */
export class QueueDispatcher extends Construct {
  readonly dispatcher: SessionFunction;

  constructor(scope: Construct, id: string, props: QueueDispatcherProps) {
    super(scope, id);
    this.dispatcher = taskStarter(this, 'queue', props, {
      ...props.userLimits,
      [ENV.homesFileSystem]: props.homes.fileSystem.fileSystemId,
    });
    const fn = this.dispatcher.fn;
    // StopTask: a stop that came while its start was under way stops what was started.
    grantTaskControl(fn, props.cluster, ['StopTask']);
    props.homes.grantCreateAccessPoints(fn);

    new Rule(this, 'Schedule', {
      description: 'One launch-queue pass a minute (capacity that comes back by itself, a throttle that passes)',
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaFunction(fn, { retryAttempts: 0 })],
    });
    fn.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: StartingPosition.LATEST,
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(1),
        retryAttempts: 2,
        bisectBatchOnError: false,
        filters: [
          FilterCriteria.filter({
            eventName: FilterRule.isEqual('MODIFY'),
            // The ended statuses (shared/domain/session.ts FINAL_STATUSES: the stack test holds them equal).
            dynamodb: { NewImage: { status: { S: FilterRule.or('STOPPED', 'FAILED', 'COMPLETED') } } },
          }),
        ],
      }),
    );
  }
}
