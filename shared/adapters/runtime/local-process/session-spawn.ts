import { mkdirSync, type WriteStream } from 'node:fs';
import { basename } from 'node:path';
import { RuntimeStartError } from '../../../domain/errors';
import type { Logger } from '../../../ports/logger';
import { commandProblem, HOLD_UNTIL_GO } from './command-check';
import type { PidRecords } from './pid-records';
import { processFacts, signalGroup, terminateGroup } from './process-group';
import { openSessionLog } from './session-log';
import type { SpawnedChild, Spawner } from './spawner';

/**
 * Everything that can fail before the process exists, checked first so that a failure leaves
 * nothing behind: the command, and the session's log (folders removed under a running server are
 * made again: #11 C3, M4). The log, open.
 */
export function preflight(options: {
  sessionId: string;
  argv: string[];
  cwd: string | undefined;
  env: Record<string, string>;
  runDir: string;
  logPath: string;
  logger: Logger;
}): WriteStream {
  const { argv, sessionId, logger } = options;
  let log: WriteStream;
  try {
    const problem = commandProblem(argv[0]!, options.cwd, options.env.PATH);
    if (problem) throw new RuntimeStartError(`Could not start ${basename(argv[0]!)}: ${problem}.`);
    mkdirSync(options.runDir, { recursive: true });
    log = openSessionLog(options.logPath);
  } catch (error) {
    if (error instanceof RuntimeStartError) throw error;
    logger.error({ sessionId, err: (error as Error).message }, 'cannot write the session log');
    throw new RuntimeStartError('Could not start the session: the server cannot write its log.', { cause: error });
  }
  log.on('error', (error) => logger.warn({ sessionId, err: error.message }, 'session log write failed'));
  return log;
}

export interface HeldSpawn {
  sessionId: string;
  argv: string[];
  env: Record<string, string>;
  cwd: string | undefined;
  /** The owner's uid and gid, where the server may run as them (root). */
  runAs: { uid?: number; gid?: number };
  marker: string;
  log: WriteStream;
  records: PidRecords;
  logger: Logger;
  /** Where processes are started: the helper process, not a fork of the server. */
  spawner: Spawner;
}

/**
 * Starts a session's process held at the gate: the app runs only once its pid record is durable. A
 * shell holds it at `read` until we say go (`go()`), so a crash at any point leaves either no process
 * (the shell exits when its stdin closes) or a recorded one (#11 M2). In its own process group
 * (detached), so a stop reaches everything the app started. A failure ends the log and throws
 * RuntimeStartError, with nothing of the app run.
 */
export async function spawnHeld(options: HeldSpawn): Promise<{ child: SpawnedChild; pid: number; go: () => void }> {
  const { argv, log, sessionId, logger } = options;
  const program = basename(argv[0]!);
  let child: SpawnedChild;
  try {
    child = await options.spawner.spawn({
      file: '/bin/sh',
      args: ['-c', HOLD_UNTIL_GO, 'sessionplane-session', ...argv],
      cwd: options.cwd,
      env: options.env,
      ...options.runAs,
    });
  } catch (cause) {
    log.end(`sessionplane: could not start ${program}: ${(cause as Error).message}\n`);
    throw new RuntimeStartError(
      `Could not start ${program}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`,
      { cause },
    );
  }
  child.on('error', (error) => logger.warn({ sessionId, err: error.message }, 'session process error'));

  const pid = child.pid;
  const facts = processFacts(pid);
  try {
    await options.records.write({
      sessionId,
      pid,
      marker: options.marker,
      ...(facts ? { startTime: facts.startTime } : {}),
    });
  } catch (error) {
    signalGroup(pid, 'SIGKILL'); // still held at `read`: nothing of the app ran
    log.end();
    logger.error({ sessionId, err: (error as Error).message }, 'cannot write the pid record');
    throw new RuntimeStartError('Could not start the session: the server cannot record its process.', {
      cause: error,
    });
  }
  return { child, pid, go: () => child.endInput('go\n') };
}

/**
 * Stops the process groups a previous server run left behind and returns their session ids.
 * A group is signalled only if a process in it carries this data directory's marker in its
 * environment (and, for a pid record, the recorded start time): a pid reused by another program,
 * or a tampered record, is never signalled (#11 m5). Processes whose record was lost (the run
 * folder deleted) are found by the same marker.
 */
export async function stopStrays(
  records: PidRecords,
  isOurs: (sessionId: string) => boolean,
  stopGraceMs: number,
  logger: Logger,
): Promise<string[]> {
  const groups = records.strays(isOurs, (file) => logger.warn({ file }, 'ignored an unreadable pid record'));
  const stopped = new Set<string>();
  await Promise.all(
    [...groups].map(async ([pgid, sessionId]) => {
      await terminateGroup(pgid, stopGraceMs);
      logger.warn({ sessionId, pgid }, 'stopped a session process left by an earlier run');
      stopped.add(sessionId);
    }),
  );
  return [...stopped];
}
