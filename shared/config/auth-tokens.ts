import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import * as z from 'zod';
import { ConfigError } from '../domain/errors';
import { hashToken } from '../domain/ids';
import { USER_NAME, type Principal } from '../domain/principal';
import { describeIssues } from './problems';

const Entry = z
  .strictObject({
    user: z.string().regex(USER_NAME, 'letters, digits and . _ @ + -, at most 128'),
    role: z.enum(['user', 'admin']).default('user'),
    /** The groups the user belongs to: what a share to a group (and, later, an app's access) matches. */
    groups: z
      .array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:@+-]{0,127}$/, 'letters, digits and . _ : @ + -, at most 128'))
      .max(100)
      .optional(),
    token: z.string().min(20, 'at least 20 characters').optional(),
    tokenSha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, '64 lower-case hex digits')
      .optional(),
  })
  .refine(
    (e) => (e.token === undefined) !== (e.tokenSha256 === undefined),
    'give exactly one of `token` and `tokenSha256`',
  );

/** `tokens: [...]`, or the list alone. */
const TokensFile = z.preprocess(
  (doc) => (Array.isArray(doc) ? { tokens: doc } : doc),
  z.strictObject({ tokens: z.array(Entry) }),
);

/** Bearer tokens by their SHA-256: the table the local authenticator looks tokens up in. */
export type TokenTable = Map<string, Principal>;

/**
 * Reads a tokens file (YAML): `tokens: [{user, role, groups, token | tokenSha256}]`. A `tokenSha256`
 * entry keeps the token itself out of the file.
 */
export function loadTokensFile(path: string): TokenTable {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new ConfigError(`Cannot read tokens file ${path}`, [(cause as Error).message.split('\n')[0]!]);
  }
  const parsed = TokensFile.safeParse(doc);
  if (!parsed.success) throw new ConfigError(`Bad tokens file ${path}`, describeIssues(parsed.error));
  const table: TokenTable = new Map();
  for (const e of parsed.data.tokens)
    table.set(e.tokenSha256 ?? hashToken(e.token!), {
      user: e.user,
      admin: e.role === 'admin',
      ...(e.groups ? { groups: e.groups } : {}),
    });
  return table;
}
