import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from '../support/chromium';
import type { LocalIssuer } from '../support/oidc-issuer';
import type { TestPlane } from '../support/plane';
import { type RouterPortal, startRouterPortal } from '../support/router-portal';
import { waitFor } from '../support/wait';

const APPS = 'examples/apps/apps.yml';

/**
 * The portal as AWS serves it: by the router service (functions/aws/router-service.ts, a process of its
 * own), on the sessions' origin, signing users in through the issuer and calling the API at its
 * URL with each user's own ID token. The API here is a local plane that accepts only that issuer's
 * JWTs, so whatever the portal does for a user, it did with the user's token.
 */
describe('the portal on the router service: a client of the API at its URL', () => {
  let rp: RouterPortal;
  let plane: TestPlane;
  let idp: LocalIssuer;
  let base: string;
  let get: RouterPortal['get'];
  let signInAs: RouterPortal['signInAs'];

  beforeAll(async () => {
    rp = await startRouterPortal(APPS);
    ({ plane, idp, base, get, signInAs } = rp);
  }, 60_000);
  afterAll(async () => rp?.dispose());

  const csrfOf = async (cookie: string) =>
    /<meta name="csrf-token" content="([^"]+)"/.exec(await (await get('/', cookie)).text())![1]!;
  const launch = async (cookie: string, body: unknown, csrf?: string) =>
    fetch(`${base}/sessions`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json', ...(csrf ? { 'x-csrf-token': csrf } : {}) },
      body: JSON.stringify(body),
    });

  it("signs in through the issuer and renders the API's catalog for the user; the cookie carries the ID token encrypted", async () => {
    expect((await get('/')).headers.get('location')).toBe('/sign-in?next=%2F');
    const form = await (await get('/sign-in')).text();
    expect(form).toContain('Sign in with your organisation');
    expect(form).not.toContain('Your access token'); // no tokens file on AWS
    const cookie = await signInAs('dave');
    const idToken = idp.seen.idTokens.at(-1)!;
    for (const part of idToken.split('.')) expect(cookie).not.toContain(part);
    const home = await get('/', cookie);
    expect(home.status).toBe(200);
    expect(home.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await home.text();
    expect(html).toContain('data-app="hello"');
    expect(html).toContain('No sessions yet');
  });

  it('relays the script’s launch to the API as the user (CSRF token required), follows it, and opens it on the router’s origin', async () => {
    const cookie = await signInAs('erin');
    const forged = await launch(cookie, { app: 'hello', params: { GREETING: 'Hi' } });
    expect(forged.status).toBe(403);
    expect(forged.headers.get('content-type')).toContain('application/problem+json');
    expect((await plane.deps.store.listByOwner('erin', {})).items).toHaveLength(0);

    const res = await launch(cookie, { app: 'hello', params: { GREETING: 'Hi' } }, await csrfOf(cookie));
    expect(res.status).toBe(202);
    const session = (await res.json()) as { id: string; owner: string };
    // The API authenticated erin by her own ID token (it knows no portal cookie of the router's).
    expect(session.owner).toBe('erin');
    expect(res.headers.get('set-cookie')).toBeNull();
    // Her session's events, served by the router (as on AWS) to her cookie.
    await waitFor(async () => (await plane.deps.store.get(session.id))?.status === 'READY', 15_000, 'hello READY');
    const events = await get(`/sessions/${session.id}/events`, cookie);
    expect(events.status).toBe(200);
    expect(await events.text()).toMatch(/"phase":"ready"/);
    expect(await (await get('/portal/sessions', cookie)).text()).toContain(`href="/open/${session.id}"`);

    // Open: to the connectURL the API gives the owner, on this origin, which serves the app.
    const open = await get(`/open/${session.id}`, cookie);
    expect(open.status).toBe(303);
    const connect = new URL(open.headers.get('location')!);
    expect(connect.origin).toBe(base);
    expect(connect.pathname).toBe(`/s/${session.id}/`);
    expect(await (await get(connect.href)).text()).toContain(`Hi from session ${session.id}`);
  });

  it('keeps users apart, lets an admin see everyone, and starts then reuses /apps/echo/', async () => {
    const frank = await signInAs('frank');
    const first = await get('/apps/echo/', frank);
    expect(first.status).toBe(303);
    const id = /\/s\/([0-9a-f]{32})\//.exec(first.headers.get('location')!)![1]!;
    const again = await get('/apps/echo/', frank);
    expect(again.headers.get('location')).toContain(`/s/${id}/`);
    expect((await plane.deps.store.listByOwner('frank', {})).items).toHaveLength(1);

    const grace = await signInAs('grace');
    expect(await (await get('/', grace)).text()).not.toContain(id);
    expect((await get(`/sessions/${id}`, grace)).status).toBe(404);
    expect((await get(`/open/${id}`, grace)).status).toBe(404);
    expect((await get('/admin', grace)).status).toBe(403);

    const admin = await signInAs('carol', ['sessionplane-admins']);
    const page = await (await get('/admin', admin)).text();
    expect(page).toContain('owner frank');
    expect(page).toContain('owner erin');
    expect(page).toContain('No app has a warm pool'); // GET /pools answered the admin
  });

  it('signs the user in again once their ID token has expired', async () => {
    const cookie = await signInAs('heidi', [], '2s');
    expect((await get('/', cookie)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 2500));
    expect((await get('/', cookie)).headers.get('location')).toBe('/sign-in?next=%2F');
    const refused = await launch(cookie, { app: 'hello' }, 'x');
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { code: string }).code).toBe('auth.unauthenticated');
  });

  it.skipIf(!hasChromium)('works in Chromium: sign in, launch hello, watch it start, open it', async () => {
    Object.assign(idp.as, { subject: 'ivan', groups: [], lifetime: '5m' });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(`${m.text()} ${m.location().url}`));
      await page.goto(`${base}/`);
      await page.click('a:has-text("Sign in with your organisation")');
      await page.waitForSelector('h1:has-text("My sessions")');
      await page.locator('form.launch[data-app="hello"] input[name="params.GREETING"]').fill('Hello from AWS');
      await page.locator('form.launch[data-app="hello"] button[type="submit"]').click();
      const card = page.locator('li.session', { has: page.locator('h3', { hasText: /^hello$/ }) });
      await waitFor(async () => (await card.getAttribute('data-status')) === 'READY', 20_000, 'hello READY');
      mkdirSync(resolve('test/.artifacts'), { recursive: true });
      await page.screenshot({ path: resolve('test/.artifacts/portal-router-1280.png'), fullPage: true });
      await card.locator('a:has-text("Open")').click();
      await page.waitForSelector('h1:has-text("from session")');
      expect(await page.textContent('h1')).toContain('Hello from AWS from session');
      expect(page.url()).not.toContain('token=');
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
