import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';

/**
 * A local OIDC-shaped issuer: discovery, an authorization endpoint that signs "carol" in at once
 * (recording the PKCE challenge), a token endpoint that checks the verifier against it, and keys.
 */
export async function localIssuer() {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const codes = new Map<
    string,
    { challenge: string; method: string; nonce: string; redirect: string; client: string }
  >();
  const seen = { verifierChecked: 0, refused: 0, idTokens: [] as string[] };
  /** Who the next sign-in is, and how long its ID token lives. */
  const as = { subject: 'carol', groups: ['sessionplane-admins'], lifetime: '5m' };
  let issuer = '';
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    const json = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (url.pathname === '/.well-known/openid-configuration')
      return json(200, {
        issuer,
        authorization_endpoint: `${issuer}/auth`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        code_challenge_methods_supported: ['S256'],
      });
    if (url.pathname === '/jwks') return json(200, { keys: [jwk] });
    if (url.pathname === '/auth') {
      const q = url.searchParams;
      if (q.get('response_type') !== 'code' || !q.get('code_challenge')) return json(400, { error: 'invalid_request' });
      const code = randomBytes(16).toString('hex');
      codes.set(code, {
        challenge: q.get('code_challenge')!,
        method: q.get('code_challenge_method') ?? '',
        nonce: q.get('nonce') ?? '',
        redirect: q.get('redirect_uri')!,
        client: q.get('client_id')!,
      });
      const back = new URL(q.get('redirect_uri')!);
      back.search = new URLSearchParams({ code, state: q.get('state') ?? '' }).toString();
      return res.writeHead(302, { location: back.href }).end();
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', async () => {
        const form = new URLSearchParams(body);
        const grant = codes.get(form.get('code') ?? '');
        codes.delete(form.get('code') ?? '');
        const expected = createHash('sha256')
          .update(form.get('code_verifier') ?? '')
          .digest('base64url');
        if (grant?.method !== 'S256' || expected !== grant.challenge || form.get('redirect_uri') !== grant.redirect) {
          seen.refused++;
          return json(400, { error: 'invalid_grant' });
        }
        seen.verifierChecked++;
        const idToken = await new SignJWT({ nonce: grant.nonce, groups: as.groups })
          .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
          .setIssuer(issuer)
          .setAudience(grant.client)
          .setSubject(as.subject)
          .setIssuedAt()
          .setExpirationTime(as.lifetime)
          .sign(privateKey);
        seen.idTokens.push(idToken);
        json(200, {
          access_token: randomBytes(16).toString('hex'),
          token_type: 'Bearer',
          expires_in: 300,
          id_token: idToken,
        });
      });
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { issuer, server, seen, codes, as };
}

export type LocalIssuer = Awaited<ReturnType<typeof localIssuer>>;
