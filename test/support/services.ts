import { randomBytes } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbIdempotencyStore } from '../../shared/adapters/dynamodb/dynamodb-idempotency-store';
import { DynamoDbQuotaStore } from '../../shared/adapters/dynamodb/dynamodb-quota-store';
import { DynamoDbSessionEventLog } from '../../shared/adapters/dynamodb/dynamodb-event-log';
import { DynamoDbSessionStore } from '../../shared/adapters/dynamodb/dynamodb-session-store';
import { NotifyingSessionEventLog } from '../../shared/adapters/in-process/notifying-event-log';
import type { AppSpec } from '../../shared/domain/app';
import type { Policy } from '../../shared/domain/limits';
import { noMetrics } from '../../shared/ports/metrics';
import { silentLogger } from '../../shared/ports/logger';
import { systemClock } from '../../shared/ports/clock';
import type { Runtime } from '../../shared/ports/runtime';
import { AppCatalog } from '../../shared/services/catalog';
import type { LaunchDeps } from '../../shared/services/deps';

const TEST_POLICY: Policy = {
  limits: { sessions: 100, jobs: 100, cpu: 1000, memory: 1_000_000, gpus: 10 },
  imagePrefixes: ['registry.example.org/ok/'],
  idempotencySeconds: 3600,
  renewCeilingMs: 30 * 86_400_000,
};

/** Use-case deps on real DynamoDB adapters (dynalite or DynamoDB Local) and a real runtime. */
export function makeServiceDeps(
  client: DynamoDBDocumentClient,
  table: string,
  runtime: Runtime,
  apps: Record<string, AppSpec>,
  overrides: Partial<LaunchDeps> = {},
): LaunchDeps {
  const clock = overrides.clock ?? systemClock;
  return {
    store: new DynamoDbSessionStore(client, table),
    events: new NotifyingSessionEventLog(new DynamoDbSessionEventLog(client, table)),
    quotas: new DynamoDbQuotaStore(client, table, () => clock.now()),
    idempotency: new DynamoDbIdempotencyStore(client, table, () => clock.now()),
    runtime,
    apps: new AppCatalog(new Map(Object.entries(apps).map(([name, spec]) => [name, { ...spec, name }]))),
    clock: systemClock,
    logger: silentLogger,
    metrics: noMetrics,
    policy: TEST_POLICY,
    tokenKey: randomBytes(32),
    ...overrides,
  };
}
