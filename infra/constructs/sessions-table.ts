import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, StreamViewType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { SESSIONS_TABLE as T } from '../../shared/config/table';

/**
 * The sessions table: on demand, PITR, deletion protection, TTL on retention, the two GSIs, a stream; kept on stack
 * deletion.
 */
export class SessionsTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: T.partitionKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      timeToLiveAttribute: T.ttlAttribute,
      removalPolicy: RemovalPolicy.RETAIN,
      // The pool keeper hears of claims through it (its event source filters to pool records).
      stream: StreamViewType.NEW_IMAGE,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: T.byOwnerIndex.name,
      partitionKey: { name: T.byOwnerIndex.partitionKey, type: AttributeType.STRING },
      sortKey: { name: T.byOwnerIndex.sortKey, type: AttributeType.NUMBER },
      projectionType: ProjectionType.ALL,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: T.liveIndex.name,
      partitionKey: { name: T.liveIndex.partitionKey, type: AttributeType.STRING },
      sortKey: { name: T.liveIndex.sortKey, type: AttributeType.NUMBER },
      projectionType: ProjectionType.ALL,
    });
  }
}
