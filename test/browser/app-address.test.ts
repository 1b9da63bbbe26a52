import { createServer, type Server } from 'node:http';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalServer } from '../../functions/local/http-server';
import { loadAppsFile } from '../../shared/config/apps-file';
import { hasChromium, launchChromium } from '../support/chromium';
import { startTestPlane, type TestPlane } from '../support/plane';
import { testUsers } from '../support/users';

const users = testUsers({ alice: {} });

/** #33: a link to /apps/<app>/ on another site starts nothing until the user says so, in Chromium. */
describe.skipIf(!hasChromium)('the app address, followed from another site', () => {
  let plane: TestPlane;
  let server: LocalServer;
  let other: Server;
  let browser: Browser;

  beforeAll(async () => {
    plane = await startTestPlane(
      Object.fromEntries(loadAppsFile('examples/apps/apps.yml')),
      { SESSIONPLANE_AUTH_TOKENS: users.path },
      { realAuth: true },
    );
    server = await plane.listen();
    // Another site ("localhost" is not the portal's 127.0.0.1) with a link to the app's address.
    other = createServer((_q, r) => r.end(`<a id="go" href="${server.url}/apps/echo/">open echo</a>`));
    await new Promise<void>((r) => other.listen(0, 'localhost', () => r()));
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    other?.close();
    await plane?.dispose();
    users.dispose();
  });

  it('shows "Start echo?", starts nothing, and starts it on the button', async () => {
    const res = await fetch(`${server.url}/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url },
      body: new URLSearchParams({ token: users.tokens.alice, next: '/' }),
    });
    const [name, ...value] = res.headers.getSetCookie()[0]!.split(';')[0]!.split('=');
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 600 } });
    await ctx.addCookies([{ name: name!, value: value.join('='), url: server.url }]);
    const page = await ctx.newPage();
    await page.goto(`http://localhost:${(other.address() as { port: number }).port}/`);
    await Promise.all([page.waitForNavigation(), page.click('#go')]);
    expect(await page.textContent('h1')).toBe('Start echo?');
    await page.screenshot({ path: 'test/.artifacts/app-address-confirm.png' });
    expect((await plane.deps.store.listByOwner('alice')).items).toHaveLength(0);
    await Promise.all([page.waitForNavigation(), page.click('form[action="/apps/echo/"] button')]);
    const sessions = (await plane.deps.store.listByOwner('alice')).items;
    expect(sessions).toHaveLength(1);
    expect(new URL(page.url()).pathname).toBe(`/s/${sessions[0]!.id}/`);
  }, 90_000);
});
