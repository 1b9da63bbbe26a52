import { FilterCriteria, FilterRule } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { SESSIONS_TABLE as T } from '../../shared/config/table';
import { grantListTasks, grantTaskControl } from './grants';
import type { SessionFunction } from './session-function';
import { passes, taskStarter, type TaskStarterProps } from './task-starter';

export type PoolKeeperProps = TaskStarterProps;

/**
 * The warm pools' keeper: a pass each minute, and one within about a second of a claim or of a
 * pool record's removal (the sessions table's stream, filtered to pool records, so no other write
 * wakes it). It starts tasks as api-write does, so it holds the same start permissions; nothing else.
 */
export class PoolKeeper extends Construct {
  readonly keeper: SessionFunction;

  constructor(scope: Construct, id: string, props: PoolKeeperProps) {
    super(scope, id);
    this.keeper = taskStarter(this, 'pools', props);
    const fn = this.keeper.fn;
    grantTaskControl(fn, props.cluster, ['DescribeTasks', 'StopTask']);
    grantListTasks(fn, props.cluster);

    const poolRecord = { [T.partitionKey]: { S: FilterRule.beginsWith('pool#') } };
    passes(this, this.keeper, props.table, {
      schedule: 'One pool keeper pass a minute (ttl, schedule windows, the end of a backoff)',
      filters: [
        // A claim (READY → CLAIMED), and any pool record removed (claimed and taken over, died, retired).
        FilterCriteria.filter({
          eventName: FilterRule.isEqual('MODIFY'),
          dynamodb: { Keys: poolRecord, NewImage: { state: { S: FilterRule.isEqual('CLAIMED') } } },
        }),
        FilterCriteria.filter({ eventName: FilterRule.isEqual('REMOVE'), dynamodb: { Keys: poolRecord } }),
      ],
    });
  }
}
