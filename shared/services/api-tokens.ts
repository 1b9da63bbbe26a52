import {
  MAX_TOKENS_PER_USER,
  isApiToken,
  mayManageTokens,
  mintToken,
  principalOfToken,
  tokenView,
  type ApiTokenView,
  type CreateToken,
} from '../domain/api-tokens';
import { DomainError } from '../domain/errors';
import { hashToken } from '../domain/ids';
import type { Principal } from '../domain/principal';
import type { ApiTokenStore } from '../ports/api-tokens';
import type { Clock } from '../ports/clock';
import type { Logger } from '../ports/logger';

interface TokenDeps {
  apiTokens?: ApiTokenStore | undefined;
  clock: Clock;
  logger: Logger;
}

function storeOf(deps: TokenDeps): ApiTokenStore {
  if (!deps.apiTokens) throw new DomainError('tokens.unavailable', 'This deployment keeps no personal API tokens.');
  return deps.apiTokens;
}

/** Makes a token for the caller; the answer is the only place the token ever appears. */
export async function createToken(
  deps: TokenDeps,
  principal: Principal,
  request: CreateToken,
): Promise<ApiTokenView & { token: string }> {
  mayManageTokens(principal);
  const store = storeOf(deps);
  const now = deps.clock.now();
  const live = (await store.list(principal.user)).filter((r) => r.expiresAt > now);
  if (live.length >= MAX_TOKENS_PER_USER)
    throw new DomainError(
      'quota.exceeded',
      `You have ${live.length} API tokens, the most one may keep; revoke one to make another.`,
      { details: { limit: MAX_TOKENS_PER_USER } },
    );
  const { token, record } = mintToken(principal, request, now);
  await store.put(record);
  deps.logger.info({ user: principal.user, tokenId: record.id }, 'API token made');
  return { ...tokenView(record), token };
}

/** The caller's tokens, newest first, with expired ones left out. */
export async function listTokens(deps: TokenDeps, principal: Principal): Promise<ApiTokenView[]> {
  mayManageTokens(principal);
  const now = deps.clock.now();
  return (await storeOf(deps).list(principal.user)).filter((r) => r.expiresAt > now).map(tokenView);
}

/** Revokes one of the caller's tokens by its id; another's token, or none, is a 404 alike. */
export async function revokeToken(deps: TokenDeps, principal: Principal, id: string): Promise<void> {
  mayManageTokens(principal);
  if (!(await storeOf(deps).remove(principal.user, id)))
    throw new DomainError('token.not_found', `You have no API token ${id}.`);
  deps.logger.info({ user: principal.user, tokenId: id }, 'API token revoked');
}

/** Who a bearer credential is, when it is a personal token that is kept and unexpired. */
export async function principalOfBearer(
  deps: Pick<TokenDeps, 'apiTokens' | 'clock'>,
  bearer: string,
): Promise<Principal | undefined> {
  if (!deps.apiTokens || !isApiToken(bearer)) return undefined;
  return principalOfToken(await deps.apiTokens.byHash(hashToken(bearer)), deps.clock.now());
}
