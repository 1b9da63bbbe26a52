import { createServer, type Server } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalServer } from '../../functions/local/http-server';
import { loadAppsFile } from '../../shared/config/apps-file';
import type { AppSpec } from '../../shared/domain/app';
import { hasChromium, launchChromium, signedInPage } from '../support/chromium';
import { startTestPlane, type TestPlane } from '../support/plane';
import { testUsers } from '../support/users';
import { waitFor } from '../support/wait';

const users = testUsers({ alice: {} });

/**
 * #38: links that carry their settings. `/apps/hello/<path>?GREETING=…&profile=…&<rest>` shows what will start,
 * starts it on a click (a link from another site starts nothing by itself), and the app gets the greeting, the size,
 * and the rest of the path and query; a bad value is told as the API tells it; the same link again opens the same
 * session.
 */
describe.skipIf(!hasChromium)('deep links to an app, in Chromium', () => {
  let plane: TestPlane;
  let server: LocalServer;
  let other: Server;
  let browser: Browser;
  const errors: string[] = [];

  beforeAll(async () => {
    const apps = Object.fromEntries(loadAppsFile('examples/apps/apps.yml'));
    const hello = apps.hello as AppSpec;
    apps.hello = {
      ...hello,
      profiles: [{ name: 'small', title: 'Small', resources: { cpu: 0.5, memory: 512, gpus: 0 } }],
    };
    plane = await startTestPlane(apps, { SESSIONPLANE_AUTH_TOKENS: users.path }, { realAuth: true });
    server = await plane.listen();
    // Another site ("localhost" is not the portal's 127.0.0.1), as a paper's page with a link.
    other = createServer((_q, r) =>
      r.end(
        `<a id="go" href="${server.url}/apps/hello/figures/3?GREETING=Hi%20there&profile=small&dataset=m31">m31</a>`,
      ),
    );
    await new Promise<void>((r) => other.listen(0, 'localhost', () => r()));
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    other?.close();
    await plane?.dispose();
    users.dispose();
  });

  const mine = async () => (await plane.deps.store.listByOwner('alice')).items;
  const follow = async (page: Page, selector: string) => Promise.all([page.waitForNavigation(), page.click(selector)]);

  it('from another site: shows what will start, starts nothing until the click, then the app gets all of it', async () => {
    const page = await signedInPage(browser, server.url, { user: 'alice', token: users.tokens.alice }, errors);
    await page.goto(`http://localhost:${(other.address() as { port: number }).port}/`);
    await follow(page, '#go');
    expect(await page.textContent('h1')).toBe('Start hello?');
    expect(await page.locator('dl.settings').textContent()).toContain("GREETING (The page's greeting)Hi there");
    expect(await page.locator('dl.settings').textContent()).toContain('SizeSmall');
    expect(await page.textContent('p.meta code')).toBe('figures/3?dataset=m31');
    await page.screenshot({ path: 'test/.artifacts/deep-link-confirm.png' });
    expect(await mine()).toHaveLength(0);
    await follow(page, 'form[action^="/apps/"] button');
    const [session] = await mine();
    expect(session).toMatchObject({ params: { GREETING: 'Hi there' }, profile: 'small', resources: { cpu: 0.5 } });
    // The router holds the page until the app is up, then the app answers with the rest of the path and query.
    await waitFor(async () => (await page.locator('#asked').count()) > 0, 30_000, 'the app');
    expect(await page.textContent('h1')).toContain('Hi there from session');
    expect(await page.textContent('#asked')).toBe('/figures/3?dataset=m31');
    expect(new URL(page.url()).pathname).toBe(`/s/${session!.id}/figures/3`);
    await page.screenshot({ path: 'test/.artifacts/deep-link-app.png' });

    // The same link again (typed, or from this site): the session it started, not another.
    await page.goto(`${server.url}/apps/hello/figures/4?GREETING=Hi%20there&profile=small&dataset=m33`);
    await waitFor(async () => (await page.locator('#asked').count()) > 0, 30_000, 'the same app');
    expect(await page.textContent('#asked')).toBe('/figures/4?dataset=m33');
    expect(await mine()).toHaveLength(1);
    await page.close();
  }, 120_000);

  it('a bad value or profile is told as the API tells it, and nothing starts; a cross-site POST without the form starts nothing', async () => {
    const page = await signedInPage(browser, server.url, { user: 'alice', token: users.tokens.alice }, errors);
    const before = (await mine()).length;
    await page.goto(`${server.url}/apps/hello/?GREETING=%3Cscript%3E&profile=huge`);
    const told = await page.locator('ul.problems li').allTextContents();
    expect(told).toEqual([
      'params.GREETING: must match [A-Za-z ,!]{1,40}',
      'profile: app hello has no profile "huge" you may choose',
    ]);
    expect(await page.locator('form[action^="/apps/"]').count()).toBe(0);
    await page.screenshot({ path: 'test/.artifacts/deep-link-refused.png' });
    // Another site's form posting to the address has no CSRF token: refused, nothing started.
    const forged = await page.evaluate(async (url) => {
      const r = await fetch(url, { method: 'POST', body: new URLSearchParams({ x: '1' }), credentials: 'include' });
      return r.status;
    }, `${server.url}/apps/hello/?GREETING=Hi`);
    expect(forged).toBe(403);
    expect(await mine()).toHaveLength(before);
    await page.close();
    expect(errors.filter((e) => !e.includes('status of 403'))).toEqual([]);
  }, 60_000);

  it('Launch again on an ended card starts the same settings; recent launches are listed once each', async () => {
    const [first] = await mine();
    expect((await users.api(server.url, 'alice', `/sessions/${first!.id}`, { method: 'DELETE' })).ok).toBe(true);
    await waitFor(async () => (await plane.deps.store.get(first!.id))?.status === 'STOPPED', 20_000, 'stopped');
    const page = await signedInPage(browser, server.url, { user: 'alice', token: users.tokens.alice }, errors);
    const card = page.locator(`li.session[data-id="${first!.id}"]`);
    expect(await page.locator('section.recent li').allTextContents()).toEqual([
      'hello GREETING=Hi there · profile small Launch again',
    ]);
    await page.screenshot({ path: 'test/.artifacts/launch-again-1280.png', fullPage: true });
    await card.locator('button[data-action="relaunch"]').click();
    const again = await waitFor(
      async () => (await mine()).find((s) => s.id !== first!.id && s.status !== 'STOPPED'),
      20_000,
      'a second session',
    );
    expect(again).toMatchObject({ app: 'hello', params: { GREETING: 'Hi there' }, profile: 'small' });
    // The list now has its card (live); the recent launches still name those settings once.
    await waitFor(async () => (await page.locator(`li.session[data-id="${again.id}"]`).count()) === 1, 20_000, 'card');
    expect(await page.locator('section.recent li').count()).toBe(1);
    await page.setViewportSize({ width: 375, height: 800 });
    await page.screenshot({ path: 'test/.artifacts/launch-again-375.png', fullPage: true });
    await page.close();
    expect(errors.filter((e) => !e.includes('status of 403'))).toEqual([]);
  }, 60_000);
});
