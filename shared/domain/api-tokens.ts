import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import { DomainError } from './errors';
import { hashToken } from './ids';
import type { Principal } from './principal';

/*
 * Personal API tokens: what a person who signs in to the portal uses with curl, skaha's CLI or a trame client
 * (JupyterHub's token page). A token is shown once; the store keeps its SHA-256 only. It acts as the person who made
 * it, with the groups and role they had then (an OIDC sign-in's groups are known only from its claims).
 */

/** `spt_` then 256 random bits (base64url): the prefix tells it from a JWT at a glance, and secret scanners find it. */
const API_TOKEN_PREFIX = 'spt_';
const API_TOKEN = /^spt_[A-Za-z0-9_-]{43}$/;

/** A person keeps at most this many tokens (unexpired); revoke one to make another. */
export const MAX_TOKENS_PER_USER = 50;
/** Days a token lasts when its maker does not say, and at most. */
export const TOKEN_DAYS = { default: 30, max: 365 } as const;
const DAY_MS = 86_400_000;

export const CreateTokenSchema = z.strictObject({
  name: z
    .string()
    .trim()
    .min(1, 'give the token a name')
    .max(64, 'at most 64 characters')
    .regex(/^[^\p{Cc}]*$/u, 'no control characters'),
  /** Days until it expires: 1 to 365 (default 30). */
  expiresInDays: z.number().int().min(1).max(TOKEN_DAYS.max).default(TOKEN_DAYS.default),
});
export type CreateToken = z.infer<typeof CreateTokenSchema>;

/** What the store keeps of a token: its hash (the key), its public id, its maker as they were, its name and times. */
export interface ApiTokenRecord {
  hash: string;
  /** The token's public id (12 hex): how its owner names it to list and revoke. */
  id: string;
  user: string;
  admin: boolean;
  groups?: readonly string[] | undefined;
  name: string;
  createdAt: number;
  expiresAt: number;
}

/** A token as its owner sees it in a listing: never the token, never its hash. */
export interface ApiTokenView {
  id: string;
  name: string;
  createdAt: string;
  expiresAt: string;
}

export function tokenView(record: ApiTokenRecord): ApiTokenView {
  return {
    id: record.id,
    name: record.name,
    createdAt: new Date(record.createdAt).toISOString(),
    expiresAt: new Date(record.expiresAt).toISOString(),
  };
}

/** Whether a bearer credential is shaped as a personal token (so nothing else is looked up as one). */
export function isApiToken(value: string): boolean {
  return API_TOKEN.test(value);
}

/** A new token for `principal`, and the record to keep (the token itself is in the answer only). */
export function mintToken(
  principal: Principal,
  request: CreateToken,
  now: number,
): { token: string; record: ApiTokenRecord } {
  const token = `${API_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  return {
    token,
    record: {
      hash: hashToken(token),
      id: randomBytes(6).toString('hex'),
      user: principal.user,
      admin: principal.admin,
      ...(principal.groups?.length ? { groups: [...principal.groups] } : {}),
      name: request.name,
      createdAt: now,
      expiresAt: now + request.expiresInDays * DAY_MS,
    },
  };
}

/** The principal a kept token stands for, while it has not expired. */
export function principalOfToken(record: ApiTokenRecord | undefined, now: number): Principal | undefined {
  if (!record || record.expiresAt <= now) return undefined;
  return { user: record.user, admin: record.admin, ...(record.groups ? { groups: record.groups } : {}) };
}

/**
 * Who may make, list and revoke tokens: a person, for themselves. A visitor (known by a cookie only) has no account
 * to make a token for.
 */
export function mayManageTokens(principal: Principal): void {
  if (principal.visitor)
    throw new DomainError('auth.forbidden', 'Visitors cannot make API tokens: sign in to make one.');
}
