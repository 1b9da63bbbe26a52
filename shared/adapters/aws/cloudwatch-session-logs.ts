import {
  GetLogEventsCommand,
  ResourceNotFoundException,
  type CloudWatchLogsClient,
  type GetLogEventsCommandOutput,
} from '@aws-sdk/client-cloudwatch-logs';
import type { Session } from '../../domain/session';
import type { LogTail, SessionLogs } from '../../ports/session-logs';

export interface CloudWatchLogsOptions {
  /** The log group of an app's tasks (one per app, made by the CDK stack). */
  logGroupOf: (app: string) => string;
  /** awslogs-stream-prefix of the task definitions. */
  streamPrefix: string;
  containerName: string;
}

/**
 * A task's output from its awslogs stream, `<prefix>/<container>/<task id>`. The newest events
 * first fetched backwards, then cut to the size bound from the old end.
 */
export class CloudWatchSessionLogs implements SessionLogs {
  constructor(
    private readonly logs: CloudWatchLogsClient,
    private readonly options: CloudWatchLogsOptions,
  ) {}

  async tail(session: Session, options: { sinceMs?: number | undefined; maxBytes: number }): Promise<LogTail> {
    const taskId = session.runtime?.runtimeId.split('/').pop();
    if (!taskId) return { lines: [], nextSince: options.sinceMs, truncated: false };
    let events: GetLogEventsCommandOutput['events'];
    try {
      ({ events } = await this.logs.send(
        new GetLogEventsCommand({
          logGroupName: this.options.logGroupOf(session.app),
          logStreamName: `${this.options.streamPrefix}/${this.options.containerName}/${taskId}`,
          ...(options.sinceMs !== undefined ? { startTime: options.sinceMs } : {}),
          startFromHead: false,
          limit: 10_000,
        }),
      ));
    } catch (error) {
      // No stream yet: the task has not written anything.
      if (error instanceof ResourceNotFoundException)
        return { lines: [], nextSince: options.sinceMs, truncated: false };
      throw error;
    }
    const all = (events ?? []).map((e) => ({
      at: e.timestamp ?? 0,
      line: `${new Date(e.timestamp ?? 0).toISOString()} ${(e.message ?? '').replace(/\n$/, '')}`,
    }));
    const kept: typeof all = [];
    let bytes = 0;
    for (let i = all.length - 1; i >= 0; i--) {
      bytes += Buffer.byteLength(all[i]!.line) + 1;
      if (bytes > options.maxBytes) break;
      kept.unshift(all[i]!);
    }
    const last = all.at(-1)?.at;
    return {
      lines: kept.map((e) => e.line),
      nextSince: last !== undefined ? last + 1 : options.sinceMs,
      truncated: kept.length < all.length,
    };
  }
}
