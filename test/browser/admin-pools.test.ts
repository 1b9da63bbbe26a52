import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalServer } from '../../functions/local/http-server';
import { fixtureApp } from '../support/apps';
import { hasChromium, launchChromium, signedInPage } from '../support/chromium';
import { startTestPlane, type TestPlane } from '../support/plane';
import { testUsers } from '../support/users';
import { waitFor } from '../support/wait';

const users = testUsers({ root: { role: 'admin' } });

/** #38: an admin pauses a warm pool from the portal, saying why (kept and shown), and resumes it. */
describe.skipIf(!hasChromium)("the admin page's pool controls, in Chromium", () => {
  let plane: TestPlane;
  let server: LocalServer;
  let browser: Browser;
  const errors: string[] = [];

  beforeAll(async () => {
    plane = await startTestPlane(
      { warm: fixtureApp([], { name: 'warm', pool: { min: 1, max: 2, ttlMs: 3_600_000, schedule: [] } }) },
      { SESSIONPLANE_AUTH_TOKENS: users.path },
      { realAuth: true },
    );
    server = await plane.listen();
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await plane?.dispose();
    users.dispose();
  });

  const pool = async () => {
    const res = await users.api(server.url, 'root', '/pools');
    return ((await res.json()) as { pools: { app: string; paused: boolean; pausedReason?: string }[] }).pools[0]!;
  };

  it('pauses with a reason (kept, in the table and the API), then resumes', async () => {
    const page = await signedInPage(browser, server.url, { user: 'root', token: users.tokens.root }, errors);
    await page.goto(`${server.url}/admin`);
    await page.fill('form.pause[data-app="warm"] input[name="reason"]', 'image update at 14:00');
    await Promise.all([page.waitForNavigation(), page.click('form.pause[data-app="warm"] button')]);
    expect(await pool()).toMatchObject({ paused: true, pausedReason: 'paused by root: image update at 14:00' });
    expect(await page.locator('table td', { hasText: 'paused by root: image update at 14:00' }).count()).toBe(1);
    await page.screenshot({ path: 'test/.artifacts/admin-pool-paused.png', fullPage: true });
    await page.click('button[data-action="resume-pool"][data-app="warm"]');
    await waitFor(async () => !(await pool()).paused, 10_000, 'resumed');
    // A reason that is too long is refused in the API's shape, and nothing changes.
    const long = await users.api(server.url, 'root', '/pools/warm/pause', {
      method: 'POST',
      body: JSON.stringify({ reason: 'x'.repeat(201) }),
    });
    expect(long.status).toBe(400);
    expect((await pool()).paused).toBe(false);
    await page.close();
    expect(errors).toEqual([]);
  }, 60_000);
});
