import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { fixtureApp } from '../support/apps';
import { browserPlane } from '../support/browser-plane';
import { hasChromium, signedInPage } from '../support/chromium';

const run = promisify(execFile);

/** curl as a person at a terminal: the HTTP status and the body. */
async function curl(url: string, token: string): Promise<{ status: number; body: string }> {
  const { stdout } = await run('curl', ['-sS', '-H', `Authorization: Bearer ${token}`, '-w', '\n%{http_code}', url]);
  const at = stdout.lastIndexOf('\n');
  return { status: Number(stdout.slice(at + 1)), body: stdout.slice(0, at) };
}

/** #38: a token made in the portal, used by curl, then revoked in the portal. */
describe.skipIf(!hasChromium)('API tokens in the portal, in Chromium', () => {
  const at = browserPlane({ alice: {} }, { web: fixtureApp() });
  const { users, errors } = at;

  const follow = async (page: Page, selector: string) => Promise.all([page.waitForNavigation(), page.click(selector)]);

  it('makes a token shown once, which curl uses as the person; revoked on the page, curl is refused', async () => {
    const page = await signedInPage(at.browser, at.server.url, { user: 'alice', token: users.tokens.alice }, errors);
    await follow(page, 'a[href="/portal/tokens"]');
    expect(await page.textContent('h1')).toBe('API tokens');
    expect(await page.textContent('main')).toContain('You have no API tokens.');
    await page.fill('#token-name', 'my laptop');
    await page.fill('#token-days', '7');
    await follow(page, 'form[aria-label="Make a token"] button');
    const token = await page.inputValue('input.token');
    expect(token).toMatch(/^spt_/);
    expect(await page.textContent('.made pre')).toContain(
      `curl -H "Authorization: Bearer ${token}" ${at.server.url}/sessions`,
    );
    expect(await page.locator('tbody tr').count()).toBe(1);
    expect(await page.textContent('tbody tr')).toContain('my laptop');
    await page.setViewportSize({ width: 375, height: 800 });
    await page.screenshot({ path: 'test/.artifacts/portal-token-made-375.png', fullPage: true });
    expect(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')).toBe(0);
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.screenshot({ path: 'test/.artifacts/portal-token-made.png', fullPage: true });

    // curl, as the person would from their terminal.
    const listed = await curl(`${at.server.url}/sessions`, token);
    expect(listed.status).toBe(200);
    expect(JSON.parse(listed.body)).toMatchObject({ sessions: [] });
    // Shown once: the page again lists it by name, without the token.
    await page.goto(`${at.server.url}/portal/tokens`);
    expect(await page.locator('input.token').count()).toBe(0);
    expect(await page.content()).not.toContain(token);

    await follow(page, 'button[aria-label="Revoke my laptop"]');
    expect(await page.textContent('main')).toContain('You have no API tokens.');
    expect((await curl(`${at.server.url}/sessions`, token)).status).toBe(401);
    expect(errors).toEqual([]);
    // A bad expiry is told on the page, in the API's words.
    await page.fill('#token-name', 'x');
    await page.fill('#token-days', '400');
    await page.evaluate("document.querySelector('#token-days').removeAttribute('max')");
    await follow(page, 'form[aria-label="Make a token"] button');
    expect(await page.textContent('p.error')).toContain('expiresInDays');
    // The page answered 400, which Chromium logs; nothing else went wrong.
    expect(errors).toEqual([expect.stringContaining('status of 400')]);
  });
});
