import { open, type FileHandle } from 'node:fs/promises';
import type { Session } from '../../domain/session';
import type { LogTail, SessionLogs } from '../../ports/session-logs';

const STAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) /;

/** The tail of a local session's log file (lines stamped by the local runtime). */
export class FileSessionLogs implements SessionLogs {
  constructor(private readonly pathOf: (sessionId: string) => string) {}

  async tail(session: Session, options: { sinceMs?: number | undefined; maxBytes: number }): Promise<LogTail> {
    let file: FileHandle;
    try {
      file = await open(this.pathOf(session.id), 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        return { lines: [], nextSince: options.sinceMs, truncated: false };
      throw error;
    }
    try {
      const { size } = await file.stat();
      const from = Math.max(0, size - options.maxBytes);
      const buffer = Buffer.alloc(size - from);
      await file.read(buffer, 0, buffer.length, from);
      let lines = buffer.toString('utf8').split('\n').filter(Boolean);
      if (from > 0) lines = lines.slice(1); // the first line is cut
      const times = lines.map((l) => Date.parse(STAMP.exec(l)?.[1] ?? ''));
      const kept = lines.filter((_, i) => options.sinceMs === undefined || (times[i] ?? 0) >= options.sinceMs);
      const last = Math.max(...times.filter(Number.isFinite), -1);
      return { lines: kept, nextSince: last >= 0 ? last + 1 : options.sinceMs, truncated: from > 0 };
    } finally {
      await file.close();
    }
  }
}
