import type { Context } from 'hono';
import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { TokenTable } from '../../../shared/config/auth-tokens';
import { hashToken } from '../../../shared/domain/ids';
import type { Principal } from '../../../shared/domain/principal';
import { isApiToken } from '../../../shared/domain/api-tokens';
import { principalOfBearer } from '../../../shared/services/api-tokens';
import { principalFromClaims, type ClaimsMapping } from './claims';

/** Who is calling, from a request; undefined when it carries no valid credential. */
export type Authenticate = (c: Context) => Promise<Principal | undefined>;

function bearerOf(c: Context): string | undefined {
  const header = c.req.header('authorization');
  const m = header ? /^Bearer[ ]+([^\s]+)$/i.exec(header) : null;
  return m?.[1];
}

/**
 * Local bearer tokens, looked up by their SHA-256 (a lookup of hashes of random tokens tells an
 * attacker nothing by its timing).
 */
export function bearerTokens(table: TokenTable): Authenticate {
  return async (c) => {
    const token = bearerOf(c);
    return token ? table.get(hashToken(token)) : undefined;
  };
}

/** Personal API tokens (`spt_…`) a signed-in person made, looked up by their SHA-256 in the store. */
export function personalTokens(deps: Parameters<typeof principalOfBearer>[0]): Authenticate {
  return async (c) => {
    const token = bearerOf(c);
    return token ? principalOfBearer(deps, token) : undefined;
  };
}

export interface JwtOptions extends ClaimsMapping {
  issuer: string;
  /** The audiences accepted: a token's `aud` must name one. */
  audience: string | readonly string[];
  /**
   * Also accept a token without `aud` whose `client_id` is one of the audiences (API Gateway's JWT authorizer's rule:
   * Cognito's access tokens carry `client_id`, its ID tokens `aud`).
   */
  clientIdAudience?: boolean;
  /**
   * The issuer's key set. Unset: discovered from `<issuer>/.well-known/openid-configuration`'s
   * `jwks_uri` (Keycloak serves its keys at `…/protocol/openid-connect/certs`, not at a fixed path).
   */
  jwksUrl?: string;
  /** For tests: a key set instead of fetching one. */
  keys?: JWTVerifyGetKey;
  /** Logged when discovery fails (the request is then refused, and discovery tried again next time). */
  onError?: (error: Error) => void;
}

/** The issuer's `jwks_uri`, from its OpenID Provider Metadata (OIDC Discovery 1.0 §4). */
async function discoverJwksUri(issuer: string): Promise<URL> {
  const res = await fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`, {
    signal: AbortSignal.timeout(5000),
  });
  if (!res.ok) throw new Error(`OIDC discovery at ${issuer} answered ${res.status}`);
  const meta = (await res.json()) as { issuer?: unknown; jwks_uri?: unknown };
  // §4.3: the issuer in the document must be the one it was fetched for.
  if (meta.issuer !== issuer)
    throw new Error(`OIDC discovery at ${issuer} names another issuer: ${String(meta.issuer)}`);
  if (typeof meta.jwks_uri !== 'string') throw new Error(`OIDC discovery at ${issuer} names no jwks_uri`);
  return new URL(meta.jwks_uri);
}

/**
 * Verifies a bearer JWT ourselves (jose): signature by the issuer's keys, issuer, audience, expiry.
 * Keys are fetched and cached by jose; a token with an unknown key id makes it fetch the set again
 * (at most once a second), which is how a key rotation is picked up.
 */
export function verifiedJwt(options: JwtOptions): Authenticate {
  const remote = (url: URL) => createRemoteJWKSet(url, { cooldownDuration: 1000 });
  let keys: Promise<JWTVerifyGetKey> | undefined = options.keys
    ? Promise.resolve(options.keys)
    : options.jwksUrl
      ? Promise.resolve(remote(new URL(options.jwksUrl)))
      : undefined;
  const keySet = () =>
    (keys ??= discoverJwksUri(options.issuer).then(remote, (error: unknown) => {
      keys = undefined; // try again on the next request
      throw error;
    }));
  const audiences = new Set([options.audience].flat());
  const forUs = (payload: { aud?: string | string[]; client_id?: unknown }) =>
    payload.aud !== undefined
      ? [payload.aud].flat().some((a) => audiences.has(a))
      : !!options.clientIdAudience && typeof payload.client_id === 'string' && audiences.has(payload.client_id);
  return async (c) => {
    const token = bearerOf(c);
    if (!token || isApiToken(token)) return undefined;
    let getKey: JWTVerifyGetKey;
    try {
      getKey = await keySet();
    } catch (error) {
      options.onError?.(error as Error);
      return undefined;
    }
    try {
      const { payload } = await jwtVerify(token, getKey, {
        issuer: options.issuer,
        algorithms: ['RS256', 'ES256', 'PS256', 'EdDSA'],
      });
      return forUs(payload) ? principalFromClaims(payload as Record<string, unknown>, options) : undefined;
    } catch {
      return undefined;
    }
  };
}

/** The first authenticator that knows the caller (local tokens, then an OIDC issuer's JWTs). */
export function anyOf(...authenticators: Authenticate[]): Authenticate {
  return async (c) => {
    for (const authenticate of authenticators) {
      const principal = await authenticate(c);
      if (principal) return principal;
    }
    return undefined;
  };
}
