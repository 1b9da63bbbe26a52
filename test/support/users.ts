import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

type UserSpec = { role?: 'admin'; groups?: string[] };

/**
 * A tokens file (SESSIONPLANE_AUTH_TOKENS) of these users, each with a fresh random token, in a
 * directory of its own; `api` calls a server as one of them (bearer token, JSON body).
 */
export function testUsers<U extends string>(users: Record<U, UserSpec>) {
  const dir = mkdtempSync(join(tmpdir(), 'sp-users-'));
  const tokens = Object.fromEntries(
    Object.keys(users).map((u) => [u, `${u}-${randomBytes(12).toString('hex')}`]),
  ) as Record<U, string>;
  const path = join(dir, 'tokens.yml');
  writeFileSync(
    path,
    stringify({
      tokens: Object.entries<UserSpec>(users).map(([user, spec]) => ({ user, token: tokens[user as U], ...spec })),
    }),
  );
  return {
    /** The tokens file's path. */
    path,
    tokens,
    /** fetch as `who`: their bearer token, and a JSON content type when there is a body. */
    api: (baseUrl: string, who: U, path: string, init: RequestInit = {}) =>
      fetch(`${baseUrl}${path}`, {
        ...init,
        headers: {
          authorization: `Bearer ${tokens[who]}`,
          ...(init.body ? { 'content-type': 'application/json' } : {}),
          ...init.headers,
        },
      }),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
