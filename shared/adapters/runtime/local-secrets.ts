import { readFileSync } from 'node:fs';
import type { AppSpec } from '../../domain/app';
import { RuntimeStartError } from '../../domain/errors';
import { secretRefsOf } from '../../domain/group-secrets';

/**
 * An app's secrets by reference, resolved on one machine at its start (#38): `file:/path` (the file's text, its last
 * newline dropped) or `env:NAME` (the server's own variable). A reference only ECS can read (an ARN) cannot start
 * here. A group-held secret only where the session was given it at launch. The values go into the session's
 * environment only: never a log, a record or an answer.
 */
export function localSecrets(
  app: Pick<AppSpec, 'name' | 'secrets' | 'secretGroups'>,
  env: Readonly<Record<string, string | undefined>>,
  granted: readonly string[] | undefined,
): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, ref] of Object.entries(secretRefsOf(app, granted))) {
    const refuse = (why: string): never => {
      throw new RuntimeStartError(`App ${app.name}'s secret ${name} ${why}.`, { reason: 'secret-unavailable' });
    };
    if (ref.startsWith('file:')) {
      try {
        values[name] = readFileSync(ref.slice('file:'.length), 'utf8').replace(/\r?\n$/, '');
      } catch (error) {
        // The path is the operator's, not a secret; the error's code says why (ENOENT, EACCES).
        refuse(`cannot be read from ${ref.slice('file:'.length)} (${(error as NodeJS.ErrnoException).code})`);
      }
    } else if (ref.startsWith('env:')) {
      const value = env[ref.slice('env:'.length)];
      if (value === undefined) refuse(`names ${ref.slice('env:'.length)}, which is not set`);
      values[name] = value!;
    } else refuse('is an AWS reference: only ECS reads it (the task definition’s secrets)');
  }
  return values;
}
