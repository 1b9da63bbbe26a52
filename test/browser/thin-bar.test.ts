import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { fixtureApp } from '../support/apps';
import { browserPlane } from '../support/browser-plane';
import { hasChromium, signedInPage } from '../support/chromium';
import { settledStart } from '../support/plane';
import { waitFor } from '../support/wait';

/**
 * #38: the thin bar. An app with `bar: true` opens under a strip (its name, the time it has left, Extend and Stop for
 * its owner, the way back) with the app framed below; Extend and Stop ask on a portal page and then go through the
 * API as the person; a grantee sees the bar without them; a link to Stop from elsewhere stops nothing.
 */
describe.skipIf(!hasChromium)('the thin bar over an app, in Chromium', () => {
  const at = browserPlane({ alice: {}, bob: {} }, { web: fixtureApp([], { bar: true, title: 'Web viewer' }) });
  const { users, errors } = at;

  const follow = async (page: Page, selector: string) => Promise.all([page.waitForNavigation(), page.click(selector)]);
  const launch = async () => {
    const res = await users.api(at.server.url, 'alice', '/sessions', { method: 'POST', body: '{"app":"web"}' });
    const { id } = (await res.json()) as { id: string };
    expect((await settledStart(at.plane, id)).status).toBe('READY');
    return id;
  };
  const view = async (who: 'alice' | 'bob', id: string) =>
    (await (await users.api(at.server.url, who, `/sessions/${id}`)).json()) as {
      status: string;
      expiresAt: string;
      barURL?: string;
    };

  it('opens the app under the bar; Extend moves its end; Stop asks, then stops it', async () => {
    const id = await launch();
    expect((await view('alice', id)).barURL).toMatch(new RegExp(`/s/${id}/\\.sessionplane/bar\\?token=`));
    const page = await signedInPage(at.browser, at.server.url, { user: 'alice', token: users.tokens.alice }, errors, {
      fakeClock: true,
    });
    page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
    await page.goto(`${at.server.url}/open/${id}`);
    // The token went to the session's cookie; the address is the bar's, the app in its frame.
    expect(page.url()).toBe(`${at.server.url}/s/${id}/.sessionplane/bar`);
    expect(await page.textContent('header')).toMatch(/ends in \d+ min/);
    const frame = page.frameLocator('iframe#app');
    await waitFor(
      async () => ((await frame.locator('body').textContent()) ?? '').length > 0,
      10_000,
      'the app in its frame',
    );
    await page.screenshot({ path: 'test/.artifacts/thin-bar.png' });
    // Half an hour on (the page's clock), the bar counts down by itself.
    await page.clock.fastForward('30:00');
    await page.clock.runFor(31_000);
    expect(await page.textContent('#left')).toMatch(/^(2\d|30) min$/);
    await page.setViewportSize({ width: 375, height: 700 });
    expect(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')).toBe(0);
    await page.screenshot({ path: 'test/.artifacts/thin-bar-375.png' });
    await page.setViewportSize({ width: 1280, height: 800 });

    const before = Date.parse((await view('alice', id)).expiresAt);
    await follow(page, '#extend');
    expect(await page.textContent('h1')).toBe('Extend web?');
    await follow(page, 'main form button[type="submit"]');
    await page.waitForURL(`${at.server.url}/s/${id}/.sessionplane/bar`);
    expect(Date.parse((await view('alice', id)).expiresAt)).toBeGreaterThan(before);

    await follow(page, '#stop');
    expect(await page.textContent('h1')).toBe('Stop web?');
    expect((await view('alice', id)).status).toBe('READY'); // asking stops nothing
    await follow(page, 'main form button[type="submit"]');
    expect(new URL(page.url()).pathname).toBe('/');
    expect((await view('alice', id)).status).toMatch(/STOPP(ING|ED)/);
    expect(errors).toEqual([]);
  });

  it('shows a grantee the bar without Stop or Extend; their Stop link from elsewhere is refused by the API', async () => {
    const id = await launch();
    await users.api(at.server.url, 'alice', `/sessions/${id}/shares`, { method: 'POST', body: '{"user":"bob"}' });
    const shared = await view('bob', id);
    expect(shared.barURL).toBeDefined();
    const page = await signedInPage(at.browser, at.server.url, { user: 'bob', token: users.tokens.bob }, errors);
    await page.goto(shared.barURL!);
    expect(await page.textContent('header')).toContain('Shared with you');
    expect(await page.locator('#stop, #extend').count()).toBe(0);
    // Bob types the owner's Stop address: asked, then refused by the API in its own words; the session runs on.
    await page.goto(`${at.server.url}/portal/sessions/${id}/stop`);
    await follow(page, 'main form button[type="submit"]');
    expect(await page.textContent('p.error')).toContain('Only its owner');
    expect((await view('alice', id)).status).toBe('READY');
    await users.api(at.server.url, 'alice', `/sessions/${id}`, { method: 'DELETE' });
    expect(errors).toEqual([expect.stringContaining('status of 403')]);
  });
});
