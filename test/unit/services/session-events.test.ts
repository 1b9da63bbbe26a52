import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbSessionEventLog } from '../../../shared/adapters/dynamodb/dynamodb-event-log';
import type { EmbeddedDynamoDb } from '../../../shared/adapters/dynamodb/embedded-dynamodb';
import { newSessionId } from '../../../shared/domain/ids';
import { once } from '../../../shared/domain/events';
import { noMetrics } from '../../../shared/ports/metrics';
import type { Logger } from '../../../shared/ports/logger';
import { makeSession } from '../../support/sessions';
import { logSlowStart, recordEvents, reportLaunchPhases } from '../../../shared/services/session-events';
import { embeddedTable } from '../../support/table';
import { waitFor } from '../../support/wait';

/** A logger that keeps what it was told. */
function keepingLogger() {
  const lines: { fields: Record<string, unknown>; message: string }[] = [];
  const keep = (fields: object, message: string) => lines.push({ fields: fields as Record<string, unknown>, message });
  return { lines, logger: { debug: keep, info: keep, warn: keep, error: keep } as unknown as Logger };
}

describe('session events for the operator: the log line of each step, and of a slow start (#15 item 7)', () => {
  let db: EmbeddedDynamoDb;
  let events: DynamoDbSessionEventLog;
  beforeAll(async () => {
    const table = await embeddedTable();
    db = table.db;
    events = new DynamoDbSessionEventLog(table.client, 'sessions');
  });
  afterAll(async () => db.close());

  it('logs each step once, when it is first recorded', async () => {
    const { lines, logger } = keepingLogger();
    const id = newSessionId();
    await recordEvents({ events, logger, metrics: noMetrics }, id, [once('requested', 1, 'Launch of web requested.')]);
    await recordEvents({ events, logger, metrics: noMetrics }, id, [
      once('requested', 1, 'Launch of web requested.'),
      once('placed', 2, 'placed'),
    ]);
    expect(lines.map((l) => [l.fields.phase, l.message])).toEqual([
      ['requested', 'Launch of web requested.'],
      ['placed', 'placed'],
    ]);
  });

  it('says which step a start that keeps a launcher waiting is in, until the wait ends', async () => {
    const { lines, logger } = keepingLogger();
    const id = newSessionId();
    await events.append(id, [once('requested', 1, 'asked'), once('pulling', 2, 'Pulling the image.')]);
    const stop = logSlowStart({ events, logger, metrics: noMetrics }, id, 100);
    // Every 100 ms while it waits (however slowly a loaded machine reads the log)...
    await waitFor(() => lines.length >= 2 || undefined, 5000, 'two slow-start lines');
    stop();
    // ...and nothing once the wait is over (a read already under way may still say its line).
    await new Promise((r) => setTimeout(r, 100));
    const said = lines.length;
    expect(lines[0]).toMatchObject({
      message: 'slow start: Pulling the image.',
      fields: { sessionId: id, phase: 'pulling' },
    });
    await new Promise((r) => setTimeout(r, 250));
    expect(lines).toHaveLength(said);
  });

  it('reports where a launch went as LaunchPhase metrics, by phase and app', async () => {
    const { logger } = keepingLogger();
    const session = makeSession({ app: 'viz' });
    await events.append(session.id, [
      once('requested', 1_000, 'asked'),
      once('placed', 2_000, 'placed'),
      once('network', 13_000, 'eni'),
      once('pulling', 14_000, 'pull'),
      once('pulled', 41_000, 'pulled'),
      once('started', 45_000, 'started'),
      once('probing', 45_000, 'probing'),
      once('ready', 47_500, 'ready'),
    ]);
    const seen: [string, number, string][] = [];
    const metrics = {
      ...noMetrics,
      launchPhase: (phase: string, ms: number, app: string) => void seen.push([phase, ms, app]),
    };
    await reportLaunchPhases({ events, logger, metrics }, session);
    expect(Object.fromEntries(seen.map(([phase, ms]) => [phase, ms]))).toEqual({
      placed: 1000,
      network: 11_000,
      pulling: 1000,
      pulled: 27_000,
      started: 4000,
      probing: 0,
      ready: 2500,
      total: 46_500,
    });
    expect(new Set(seen.map(([, , app]) => app))).toEqual(new Set(['viz']));
  });
});
