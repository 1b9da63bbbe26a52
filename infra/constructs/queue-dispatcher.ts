import { FilterCriteria, FilterRule } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { grantTable, grantTaskControl } from './grants';
import type { Homes } from './homes';
import type { SessionFunction } from './session-function';
import { passes, taskStarter, type TaskStarterProps } from './task-starter';

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
      ...props.homes.startersEnv(),
    });
    const fn = this.dispatcher.fn;
    // StopTask: a stop that came while its start was under way stops what was started.
    grantTaskControl(fn, props.cluster, ['StopTask']);
    // The waiting owners' usage records, a hundred at a time (the queue's fair order).
    grantTable(fn, props.table, ['BatchGetItem']);
    props.homes.grantCreateAccessPoints(fn);

    passes(this, this.dispatcher, props.table, {
      schedule: 'One launch-queue pass a minute (capacity that comes back by itself, a throttle that passes)',
      filters: [
        FilterCriteria.filter({
          eventName: FilterRule.isEqual('MODIFY'),
          // The ended statuses (shared/domain/session.ts FINAL_STATUSES: the stack test holds them equal).
          dynamodb: { NewImage: { status: { S: FilterRule.or('STOPPED', 'FAILED', 'COMPLETED') } } },
        }),
      ],
    });
  }
}
