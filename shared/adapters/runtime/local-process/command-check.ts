import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

/**
 * Holds the session's command until the server writes `go` on its stdin, then runs it in place
 * (same pid, same group) with stdin from /dev/null. If the server dies first, stdin closes, the
 * read fails, and the command never runs.
 */
export const HOLD_UNTIL_GO = 'IFS= read -r go && [ "$go" = go ] || exit 111; exec "$@" </dev/null';

/**
 * Why `command` could not be run from `cwd` with `path` as PATH, or undefined if it can (checked before anything is
 * spawned).
 */
export function commandProblem(command: string, cwd: string | undefined, path: string | undefined): string | undefined {
  if (cwd !== undefined && !isDirectory(cwd)) return 'its working directory does not exist';
  if (command.includes('/')) return executable(resolve(cwd ?? '.', command)) ? undefined : 'no such program';
  return (path ?? '').split(delimiter).some((dir) => dir && executable(join(dir, command)))
    ? undefined
    : 'no such program on PATH';
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
