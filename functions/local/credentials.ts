import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileDurably } from '../../shared/adapters/in-process/durable-file';
import { isHexKey } from '../../shared/config/policy';
import { ConfigError } from '../../shared/domain/errors';

/** The documented encoding of a secret file: hex digits (any case), at least 32 bytes' worth. */
const SECRET_BYTES = 32;

/**
 * A random secret kept in a file only its owner can read (0600), made on first use: the local
 * admin token and the key session credentials are derived with, as Jupyter keeps its runtime files.
 *
 * A file that is there must hold at least 32 bytes as hex, or start-up stops naming it: an empty,
 * short, odd-length or base64 key would make every session's token computable from its id (#11 C2).
 * A new file is written whole under a temporary name and linked into place, so a crash never leaves
 * an empty or partial one, and two processes racing both end up with the winner's secret.
 */
export function ensureSecretFile(path: string): string {
  const existing = readSecret(path);
  if (existing !== undefined) return existing;
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const secret = randomBytes(SECRET_BYTES).toString('hex');
  try {
    writeFileDurably(path, `${secret}\n`, { mode: 0o600, exclusive: true });
    return secret;
  } catch (error) {
    // Another process made it first: theirs wins.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readSecret(path)!;
    throw error;
  }
}

function readSecret(path: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new ConfigError(`Cannot read secret file ${path}`, [(error as Error).message]);
  }
  const secret = text.trim();
  const problems: string[] = [];
  if (!isHexKey(secret)) {
    problems.push(
      secret.length === 0
        ? 'the file is empty'
        : `it must hold at least ${SECRET_BYTES * 2} hex digits (${SECRET_BYTES} bytes), an even number, and nothing else; ` +
            'delete it to have a new one made, or write one with `openssl rand -hex 32`',
    );
  }
  if ((statSync(path).mode & 0o077) !== 0) problems.push('other users can read it: run `chmod 600` on it');
  if (problems.length) throw new ConfigError(`Weak secret file ${path}`, problems);
  return secret;
}
