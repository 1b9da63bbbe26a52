import * as oauth from 'oauth4webapi';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { DomainError } from '../../shared/domain/errors';
import type { LocalConfig } from '../../shared/config/env';
import type { Principal } from '../../shared/domain/principal';
import { principalFromClaims, type ClaimsMapping } from '../api/auth/claims';

export interface OidcSignInOptions extends ClaimsMapping {
  issuer: string;
  clientId: string;
  /** A confidential client's secret; without it the client is public (PKCE alone). */
  clientSecret?: string | undefined;
  /** Where the issuer sends the browser back: `<public URL>/sign-in/oidc/callback` (known once the server listens). */
  redirectUri: () => string;
}

/** What the browser carries between the two legs (in a signed cookie of its own, 10 minutes). */
export interface OidcFlow {
  verifier: string;
  state: string;
  nonce: string;
  next: string;
}

/**
 * The portal's sign-in through an OIDC issuer (Keycloak, Dex, Cognito, …): the authorization-code
 * flow with PKCE (S256), state and nonce, through oauth4webapi; the ID token's signature is checked
 * against the issuer's published keys (jose), beside oauth4webapi's checks of its issuer, audience,
 * expiry and nonce. http issuers are allowed only on loopback (tests, a local Keycloak).
 */
export class OidcSignIn {
  private server: Promise<oauth.AuthorizationServer> | undefined;
  private readonly client: oauth.Client;
  private readonly auth: oauth.ClientAuth;
  private readonly insecure: boolean;

  constructor(private readonly options: OidcSignInOptions) {
    this.client = { client_id: options.clientId };
    this.auth = options.clientSecret ? oauth.ClientSecretPost(options.clientSecret) : oauth.None();
    const { protocol, hostname } = new URL(options.issuer);
    this.insecure = protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(hostname);
  }

  private discover(): Promise<oauth.AuthorizationServer> {
    const issuer = new URL(this.options.issuer);
    this.server ??= oauth
      .discoveryRequest(issuer, { algorithm: 'oidc', [oauth.allowInsecureRequests]: this.insecure })
      .then((response) => oauth.processDiscoveryResponse(issuer, response))
      .catch((error: unknown) => {
        this.server = undefined; // asked again next time
        throw error;
      });
    return this.server;
  }

  /** The issuer's authorization URL for a new sign-in, and the flow to keep until the callback. */
  async begin(next: string): Promise<{ url: string; flow: OidcFlow }> {
    const as = await this.discover();
    const flow: OidcFlow = {
      verifier: oauth.generateRandomCodeVerifier(),
      state: oauth.generateRandomState(),
      nonce: oauth.generateRandomNonce(),
      next,
    };
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({
      client_id: this.options.clientId,
      redirect_uri: this.options.redirectUri(),
      response_type: 'code',
      scope: 'openid profile email',
      code_challenge: await oauth.calculatePKCECodeChallenge(flow.verifier),
      code_challenge_method: 'S256',
      state: flow.state,
      nonce: flow.nonce,
    }).toString();
    return { url: url.href, flow };
  }

  /**
   * The principal the callback's code proves, for the flow this browser began, and its ID token (a remote API's
   * bearer).
   */
  async finish(callback: URL, flow: OidcFlow): Promise<{ principal: Principal; idToken: string; expiresAt: number }> {
    const as = await this.discover();
    try {
      const params = oauth.validateAuthResponse(as, this.client, callback, flow.state);
      const response = await oauth.authorizationCodeGrantRequest(
        as,
        this.client,
        this.auth,
        params,
        this.options.redirectUri(),
        flow.verifier,
        {
          [oauth.allowInsecureRequests]: this.insecure,
        },
      );
      const result = await oauth.processAuthorizationCodeResponse(as, this.client, response, {
        expectedNonce: flow.nonce,
        requireIdToken: true,
      });
      const keys = createRemoteJWKSet(new URL(as.jwks_uri!));
      const { payload } = await jwtVerify(result.id_token!, keys, {
        issuer: as.issuer,
        audience: this.options.clientId,
      });
      const principal = principalFromClaims(payload as Record<string, unknown>, this.options);
      if (!principal) throw new Error(`the ID token has no usable ${this.options.userClaim} claim`);
      return { principal, idToken: result.id_token!, expiresAt: (payload.exp ?? 0) * 1000 };
    } catch (error) {
      throw new DomainError(
        'auth.unauthenticated',
        `The sign-in with ${as.issuer} did not complete: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
}

/** The portal's sign-in through the configured OIDC issuer, where the portal has a client id there. */
export function oidcSignInOf(
  config: Pick<LocalConfig, 'oidc' | 'oidcClient'>,
  publicUrl: () => string,
): OidcSignIn | undefined {
  const client = config.oidcClient;
  if (!config.oidc || !client?.clientId) return undefined;
  return new OidcSignIn({
    ...config.oidc,
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    redirectUri: () => `${publicUrl()}/sign-in/oidc/callback`,
  });
}
