import { describe, expect, it } from 'vitest';
import { fixtureApp } from '../support/apps';
import { browserPlane } from '../support/browser-plane';
import { hasChromium, signedInPage } from '../support/chromium';
import { waitFor } from '../support/wait';

/** #38: an admin pauses a warm pool from the portal, saying why (kept and shown), and resumes it. */
describe.skipIf(!hasChromium)("the admin page's pool controls, in Chromium", () => {
  const at = browserPlane(
    { root: { role: 'admin' } },
    { warm: fixtureApp([], { name: 'warm', pool: { min: 1, max: 2, ttlMs: 3_600_000, schedule: [] } }) },
  );
  const { users, errors } = at;

  const pool = async () => {
    const res = await users.api(at.server.url, 'root', '/pools');
    return ((await res.json()) as { pools: { app: string; paused: boolean; pausedReason?: string }[] }).pools[0]!;
  };

  it('pauses with a reason (kept, in the table and the API), then resumes', async () => {
    const page = await signedInPage(at.browser, at.server.url, { user: 'root', token: users.tokens.root }, errors);
    await page.goto(`${at.server.url}/admin`);
    await page.fill('form.pause[data-app="warm"] input[name="reason"]', 'image update at 14:00');
    await Promise.all([page.waitForNavigation(), page.click('form.pause[data-app="warm"] button')]);
    expect(await pool()).toMatchObject({ paused: true, pausedReason: 'paused by root: image update at 14:00' });
    expect(await page.locator('table td', { hasText: 'paused by root: image update at 14:00' }).count()).toBe(1);
    await page.screenshot({ path: 'test/.artifacts/admin-pool-paused.png', fullPage: true });
    await page.click('button[data-action="resume-pool"][data-app="warm"]');
    await waitFor(async () => !(await pool()).paused, 10_000, 'resumed');
    // A reason that is too long is refused in the API's shape, and nothing changes.
    const long = await users.api(at.server.url, 'root', '/pools/warm/pause', {
      method: 'POST',
      body: JSON.stringify({ reason: 'x'.repeat(201) }),
    });
    expect(long.status).toBe(400);
    expect((await pool()).paused).toBe(false);
    await page.close();
    expect(errors).toEqual([]);
  }, 60_000);
});
