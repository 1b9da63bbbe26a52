import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalServer } from '../../functions/local/http-server';
import { jobApp } from '../support/apps';
import { hasChromium, launchChromium, signedInPage } from '../support/chromium';
import { startTestPlane, type TestPlane } from '../support/plane';
import { testPortRange } from '../support/ports';
import { testUsers } from '../support/users';
import { waitFor } from '../support/wait';

const users = testUsers({ alice: {} });

/** A job's card (#37): its state while it runs, then how it ended (exit code) and its log; no Open, no Share. */
describe.skipIf(!hasChromium)("the portal shows a job's state, exit code and log, in Chromium", () => {
  let plane: TestPlane;
  let server: LocalServer;
  let browser: Browser;
  const errors: string[] = [];

  beforeAll(async () => {
    plane = await startTestPlane({ batch: jobApp() }, { SESSIONPLANE_AUTH_TOKENS: users.path }, { realAuth: true });
    server = await plane.listen();
    browser = await launchChromium();
    mkdirSync(resolve('test/.artifacts'), { recursive: true });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await plane?.dispose();
    users.dispose();
  });

  const launch = async (params: Record<string, number>) => {
    const body = JSON.stringify({ app: 'batch', params });
    const res = await users.api(server.url, 'alice', '/sessions', { method: 'POST', body });
    return ((await res.json()) as { id: string }).id;
  };

  it('a running job says RUNNING with Stop and Log and no Open; an ended one its exit code and its output', async () => {
    const running = await launch({ ITEMS: 1, ITEM_MS: 60_000 });
    const failed = await launch({ EXIT_CODE: 3 });
    await waitFor(async () => (await plane.deps.store.get(running))?.status === 'READY', 10_000, 'running');
    await waitFor(async () => (await plane.deps.store.get(failed))?.status === 'FAILED', 10_000, 'failed');

    const page = await signedInPage(browser, server.url, { user: 'alice', token: users.tokens.alice }, errors);
    const card = (id: string) => page.locator(`li.session[data-id="${id}"]`);
    expect(await card(running).locator('.badge').allTextContents()).toEqual(['job', 'RUNNING']);
    expect(await card(running).locator('.actions').textContent()).not.toContain('Open');
    expect(await card(running).locator('details.share-box').count()).toBe(0);
    expect(await card(failed).locator('.badge').allTextContents()).toEqual(['job', 'FAILED']);
    expect(await card(failed).locator('p.reason').textContent()).toBe('The job failed: exit code 3');
    await card(failed).locator('button[data-action="logs"]').click();
    await waitFor(
      async () => (await card(failed).locator('pre.log').textContent())?.includes('done, exiting 3'),
      10_000,
    );
    // Waiting in the queue, its card says so, and where (its events tell its place).
    const [lo] = testPortRange(1);
    const queued = await startTestPlane(
      { batch: jobApp() },
      { SESSIONPLANE_AUTH_TOKENS: users.path, SESSIONPLANE_PORT_RANGE: `${lo}-${lo}` },
      { realAuth: true },
    );
    try {
      const server2 = await queued.listen();
      const ask = async () => {
        const body = JSON.stringify({ app: 'batch', params: { ITEMS: 1, ITEM_MS: 60_000 } });
        return (
          (await (await users.api(server2.url, 'alice', '/sessions', { method: 'POST', body })).json()) as {
            id: string;
          }
        ).id;
      };
      await ask();
      const waiting = await ask();
      const page2 = await signedInPage(browser, server2.url, { user: 'alice', token: users.tokens.alice }, errors);
      const card2 = page2.locator(`li.session[data-id="${waiting}"]`);
      expect(await card2.locator('.badge').allTextContents()).toEqual(['job', 'QUEUED']);
      await waitFor(
        async () => /^Waiting in the queue, 1st/.test((await card2.locator('.phase').textContent()) ?? ''),
        10_000,
        'the place',
      );
      await page2.screenshot({ path: resolve('test/.artifacts/portal-queued-1280.png'), fullPage: true });
      // Closed before its server goes, which would answer its next refresh with 503.
      await page2.close();
    } finally {
      await queued.dispose();
    }
    await page.screenshot({ path: resolve('test/.artifacts/portal-jobs-1280.png'), fullPage: true });
    await page.setViewportSize({ width: 375, height: 800 });
    await page.screenshot({ path: resolve('test/.artifacts/portal-jobs-375.png'), fullPage: true });
    expect(errors).toEqual([]);
  }, 60_000);
});
