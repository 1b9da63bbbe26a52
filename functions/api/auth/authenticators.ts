import type { Context } from 'hono';
import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { TokenTable } from '../../../shared/config/auth-tokens';
import { hashToken } from '../../../shared/domain/ids';
import type { Principal } from '../../../shared/domain/principal';
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

interface GatewayEvent {
  requestContext?: { authorizer?: { jwt?: { claims?: Record<string, unknown> } } };
}

/**
 * Behind an API Gateway HTTP API with a JWT authorizer: the gateway has verified the token, and
 * the Lambda event carries its claims.
 */
export function gatewayClaims(mapping: ClaimsMapping): Authenticate {
  return async (c) => {
    const event = (c.env as { event?: GatewayEvent } | undefined)?.event;
    const claims = event?.requestContext?.authorizer?.jwt?.claims;
    return claims ? principalFromClaims(claims, mapping) : undefined;
  };
}

export interface JwtOptions extends ClaimsMapping {
  issuer: string;
  audience: string;
  /** Defaults to `<issuer>/.well-known/jwks.json` (Cognito's and most OIDC providers' location). */
  jwksUrl?: string;
  /** For tests: a key set instead of fetching one. */
  keys?: JWTVerifyGetKey;
}

/** Verifies a bearer JWT ourselves (jose): signature by the issuer's keys, issuer, audience, expiry. */
export function verifiedJwt(options: JwtOptions): Authenticate {
  const keys = options.keys ?? createRemoteJWKSet(new URL(options.jwksUrl ?? `${options.issuer.replace(/\/$/, '')}/.well-known/jwks.json`));
  return async (c) => {
    const token = bearerOf(c);
    if (!token) return undefined;
    try {
      const { payload } = await jwtVerify(token, keys, { issuer: options.issuer, audience: options.audience, algorithms: ['RS256', 'ES256', 'PS256', 'EdDSA'] });
      return principalFromClaims(payload as Record<string, unknown>, options);
    } catch {
      return undefined;
    }
  };
}
