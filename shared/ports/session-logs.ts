import type { Session } from '../domain/session';

export interface LogTail {
  /** Lines as `<ISO time> <text>`, oldest first. */
  lines: string[];
  /** Pass as `since` next time to get only newer lines. */
  nextSince: number | undefined;
  /** Older lines were left out to stay within the size bound. */
  truncated: boolean;
}

/** The output of a session's app: the local log file, or the task's CloudWatch Logs stream. */
export interface SessionLogs {
  tail(session: Session, options: { sinceMs?: number | undefined; maxBytes: number }): Promise<LogTail>;
}
