/**
 * The sessions table's keys and indexes, shared by the DynamoDB adapter and the CDK stack.
 *
 * - `byOwner`: owner → createdAt, every session of an owner, newest first; and one user's usage
 *   records under `usage#<user>` (`#` is in no user name), sorted by their end, and their day sums
 *   under `usagesum#<user>`, sorted by the day.
 * - `live`: sparse; `liveShard` ("live#0".."live#7") is set while a session is live and removed
 *   when it is final, so the reaper reads live sessions only, spread over shards so no partition
 *   is hot; a session waiting in the launch queue is under `live#queued` instead, so the queue's dispatcher reads
 *   the queue, not every live session (each class's pace: `queuepace#<class>`, a record in no index). An ended
 *   session waits under `unrecorded` until its usage record is written; usage
 *   records are listed under `usage#YYYY-MM` (sorted by their end), everyone's day sums under
 *   `usagesum#YYYY-MM` (sorted by the day); the grantee index's pointers
 *   under `grantee#user:<name>` and `grantee#group:<name>` (see dynamodb-share-index.ts).
 */
export const SESSIONS_TABLE = {
  partitionKey: 'id',
  ttlAttribute: 'ttl',
  byOwnerIndex: { name: 'byOwner', partitionKey: 'owner', sortKey: 'createdAt' },
  liveIndex: { name: 'live', partitionKey: 'liveShard', sortKey: 'createdAt' },
  liveShards: 8,
} as const;

/**
 * The task definition (family suffix, and key of SESSIONPLANE_TASK_DEFINITIONS) the stack makes for
 * apps that labelled images describe; not an app name (those start with a letter or digit).
 */
export const LABELLED_APPS_TASK = '_labelled';
