import { createWriteStream, mkdirSync, openSync, symlinkSync, type WriteStream } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Logger } from '../../../ports/logger';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { timestampLines } from './timestamp-lines';

/** The session's log file, for appending, only its owner may read (0600); its folder made again if it was removed. */
export function openSessionLog(path: string): WriteStream {
  mkdirSync(dirname(path), { recursive: true });
  return createWriteStream('', { fd: openSync(path, 'a', 0o600) });
}

/**
 * The process's stdout and stderr into its log, each line stamped with its time (so the logs can be
 * read `since` a time, as on CloudWatch); the log is ended once both have ended, every line handed on.
 */
export function recordOutput(child: { stdout: Readable; stderr: Readable }, log: WriteStream): void {
  const outputs = [child.stdout.pipe(timestampLines()), child.stderr.pipe(timestampLines())];
  for (const output of outputs) output.pipe(log, { end: false });
  void Promise.allSettled(outputs.map((o) => finished(o))).then(() => log.end());
}

/** A link to a session's log where its operator looks; a failure is only a warning (the log itself is kept). */
export function linkLog(logPath: string, link: string, logger: Logger): void {
  try {
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(resolve(logPath), link);
  } catch (error) {
    logger.warn({ link, err: (error as Error).message }, 'cannot link the session log into log_dir');
  }
}
