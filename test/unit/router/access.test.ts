import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { crossPageRefusal, isolationHeaders, scrubForApp } from '../../../functions/router/access';
import { parseHostRoute } from '../../../functions/router/routes';

const ID = 'a'.repeat(32);
const OTHER = 'b'.repeat(32);
const req = (headers: Record<string, string>, method = 'GET') => ({ method, headers }) as unknown as IncomingMessage;

describe('crossPageRefusal: whose page may use a session cookie (#11 C1)', () => {
  describe('subdomain mode (host-only cookie)', () => {
    const ctx = { scope: '/', hostOnly: true, origin: `http://${ID}.localhost:8080`, upgrade: false };
    it.each([
      ['same-origin fetch', { 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors' }, false],
      [
        'a typed address',
        { 'sec-fetch-site': 'none', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' },
        false,
      ],
      ['a client without Fetch Metadata (curl)', {}, false],
      [
        'a top-level link from another site',
        { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' },
        false,
      ],
      [
        'a sibling session page fetching (same site)',
        { 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'cors' },
        true,
      ],
      [
        'a sibling session framing it',
        { 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'iframe' },
        true,
      ],
      [
        'another site posting a form',
        { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' },
        true,
        'POST',
      ],
    ])('%s: refused %s', (_name, headers, refused, method = 'GET') => {
      expect(crossPageRefusal(req(headers, method), ctx) !== undefined).toBe(refused);
    });
    it('lets a WebSocket from its own origin in, and not one from a sibling session', () => {
      const ws = { ...ctx, upgrade: true };
      expect(crossPageRefusal(req({ origin: ctx.origin }), ws)).toBeUndefined();
      expect(crossPageRefusal(req({ origin: `http://${OTHER}.localhost:8080` }), ws)).toMatch(/another origin/);
    });
  });

  describe('path mode (cookie scoped to /s/<id>/)', () => {
    const origin = 'http://127.0.0.1:8080';
    const ctx = { scope: `/s/${ID}/`, hostOnly: false, origin, upgrade: false };
    it.each([
      ['its own page fetching', { 'sec-fetch-site': 'same-origin', referer: `${origin}/s/${ID}/index.html` }, false],
      [
        'a link from the portal',
        {
          'sec-fetch-site': 'same-origin',
          'sec-fetch-mode': 'navigate',
          'sec-fetch-dest': 'document',
          referer: `${origin}/portal/`,
        },
        false,
      ],
      [
        'another session page fetching',
        { 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors', referer: `${origin}/s/${OTHER}/` },
        true,
      ],
      [
        'another session page linking to it',
        {
          'sec-fetch-site': 'same-origin',
          'sec-fetch-mode': 'navigate',
          'sec-fetch-dest': 'document',
          referer: `${origin}/s/${OTHER}/`,
        },
        true,
      ],
      ['a same-origin fetch with no Referer', { 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors' }, true],
    ])('%s: refused %s', (_name, headers, refused) => {
      expect(crossPageRefusal(req(headers), ctx) !== undefined).toBe(refused);
    });
    it('refuses every browser WebSocket that carries only the cookie', () => {
      expect(crossPageRefusal(req({ origin }), { ...ctx, upgrade: true })).toMatch(/token in its URL/);
      expect(crossPageRefusal(req({}), { ...ctx, upgrade: true })).toBeUndefined(); // not a browser: no cookie ambient authority
    });
  });
});

describe('parseHostRoute', () => {
  it('routes <id>.<domain> to the session, with the path as it is and the token taken out', () => {
    expect(parseHostRoute(`${ID}.sessions.example.org:443`, 'sessions.example.org', '/a/b?x=1&token=t')).toMatchObject({
      kind: 'host',
      sessionId: ID,
      upstream: '/a/b?x=1',
      scope: '/',
      token: 't',
      hostOnly: true,
    });
  });
  it('keeps /s/<id>/ for apps that serve under it', () => {
    expect(parseHostRoute(`${ID}.localhost`, 'localhost', `/s/${ID}/lab`)).toMatchObject({
      kind: 'app',
      upstream: '/lab',
      scope: `/s/${ID}/`,
    });
  });
  it('leaves other hosts to the path routes, and refuses a host that is not a session id', () => {
    expect(parseHostRoute('sessions.example.org', 'sessions.example.org', '/')).toBeUndefined();
    expect(parseHostRoute('evil.org', 'sessions.example.org', '/')).toBeUndefined();
    expect(parseHostRoute('x.sessions.example.org', 'sessions.example.org', '/')).toMatchObject({ kind: 'bad' });
    expect(parseHostRoute(`${ID}.sessions.example.org`, undefined, '/')).toBeUndefined();
  });
});

describe('what the app sees (#11 m2)', () => {
  it('loses the Authorization header, our cookie and a foreign Referer, and keeps its own cookies', () => {
    const r = req({
      authorization: 'Bearer api-secret',
      cookie: 'theme=dark; sessionplane_token=tok; lang=en',
      referer: `http://h/s/${OTHER}/`,
    });
    scrubForApp(r, { scope: `/s/${ID}/`, origin: 'http://h' });
    expect(r.headers).toEqual({ cookie: 'theme=dark; lang=en' });
  });
  it("adds isolation headers, adding to the app's own CSP rather than replacing it", () => {
    const headers: Record<string, string | string[] | undefined> = { 'content-security-policy': "default-src 'self'" };
    isolationHeaders(headers, "'self'");
    expect(headers).toMatchObject({
      'referrer-policy': 'same-origin',
      'cross-origin-opener-policy': 'same-origin',
      'x-frame-options': 'SAMEORIGIN',
      'x-content-type-options': 'nosniff',
    });
    expect(headers['content-security-policy']).toEqual(["default-src 'self'", "frame-ancestors 'self'"]);
  });
});
