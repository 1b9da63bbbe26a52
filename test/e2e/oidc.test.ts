import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type ServerProcess } from '../support/server';

type Key = { kid: string; privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey']; jwk: JWK };

async function newKey(kid: string): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

/**
 * A local OIDC-shaped issuer laid out as Keycloak's: a realm path, discovery at
 * `/.well-known/openid-configuration`, keys at `…/protocol/openid-connect/certs` (and nothing at
 * `/.well-known/jwks.json`). The server under test gets only the issuer URL.
 */
describe("OIDC on one machine: the local API accepts an issuer's JWTs (#12 item 9)", () => {
  let idp: Server;
  let issuer: string;
  let published: Key[] = [];
  let server: ServerProcess;
  let keyA: Key;
  let keyB: Key;

  const token = (
    key: Key,
    claims: Record<string, unknown> = {},
    options: { iss?: string; aud?: string; exp?: string | number } = {},
  ) =>
    new SignJWT({ groups: ['physics'], ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: key.kid })
      .setIssuer(options.iss ?? issuer)
      .setAudience(options.aud ?? 'sessionplane')
      .setSubject('carol')
      .setIssuedAt()
      .setExpirationTime(options.exp ?? '5m')
      .sign(key.privateKey);
  const list = (jwt: string) => fetch(`${server.base}/sessions`, { headers: { authorization: `Bearer ${jwt}` } });

  beforeAll(async () => {
    keyA = await newKey('key-a');
    keyB = await newKey('key-b');
    published = [keyA];
    idp = createServer((req, res) => {
      const json = (body: unknown) =>
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.url === '/realms/physics/.well-known/openid-configuration')
        return json({ issuer, jwks_uri: `${issuer}/protocol/openid-connect/certs` });
      if (req.url === '/realms/physics/protocol/openid-connect/certs')
        return json({ keys: published.map((k) => k.jwk) });
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(idp.address() as AddressInfo).port}/realms/physics`;
    server = await startServer({ SESSIONPLANE_JWT_ISSUER: issuer, SESSIONPLANE_JWT_AUDIENCE: 'sessionplane' });
  });
  afterAll(async () => {
    await server?.stop();
    idp?.close();
  });

  it('lets a valid token in as its subject, beside the local admin token', async () => {
    const res = await list(await token(keyA));
    expect(res.status).toBe(200);
    const launched = await fetch(`${server.base}/sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await token(keyA)}` },
      body: '{"app":"echo"}',
    });
    expect(await launched.json()).toMatchObject({ owner: 'carol' });
    expect((await server.api('/sessions')).status).toBe(200); // the local admin token still works
  });

  it('makes members of the admin group admins', async () => {
    const admin = await token(keyA, { groups: ['sessionplane-admins'] });
    expect(
      (await fetch(`${server.base}/sessions?all=true`, { headers: { authorization: `Bearer ${admin}` } })).status,
    ).toBe(200);
    const member = await token(keyA); // groups: physics only
    expect(
      (await fetch(`${server.base}/sessions?all=true`, { headers: { authorization: `Bearer ${member}` } })).status,
    ).toBe(403);
  });

  it.each([
    ['expired', () => token(keyA, {}, { exp: Math.floor(Date.now() / 1000) - 60 })],
    ['for another audience', () => token(keyA, {}, { aud: 'someone-else' })],
    ['from another issuer', () => token(keyA, {}, { iss: 'http://127.0.0.1:1/realms/other' })],
    ['signed by a key the issuer does not publish', async () => token(await newKey('key-unknown'))],
    ['signed by another key under a published key id', async () => token({ ...(await newKey('key-a')) })],
  ])('refuses a token %s with 401 problem+json', async (_name, make) => {
    const res = await list(await make());
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 'auth.unauthenticated' });
  });

  it('picks up a key rotation: a token of the new key works once the issuer publishes it', async () => {
    expect((await list(await token(keyB))).status).toBe(401); // not published yet
    published = [keyB];
    await new Promise((r) => setTimeout(r, 1100)); // jose refetches an unknown key id at most once a second
    expect((await list(await token(keyB))).status).toBe(200);
  });
});
