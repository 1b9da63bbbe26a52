import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalServer } from '../../functions/local/http-server';
import { fixtureApp, jobApp } from '../support/apps';
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
      // Nothing to renew while it waits (its lifetime starts when it does); it may be stopped (canceled).
      expect(await card2.locator('button[data-action="renew"]').count()).toBe(0);
      expect(await card2.locator('button[data-action="stop"]').count()).toBe(1);
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

  it("the launch form offers a job's arguments and the limits an app lets one choose; a bad argument is told under its field", async () => {
    const choosing = await startTestPlane(
      {
        batch: jobApp({ maxLifetimeBounds: { min: 60_000, max: 8 * 3_600_000 } }),
        viewer: fixtureApp([], {
          name: 'viewer',
          idleTimeoutMs: 1_800_000,
          idleTimeoutBounds: { min: 300_000, max: Number.POSITIVE_INFINITY },
          maxLifetimeBounds: { min: 3_600_000, max: 2 * 86_400_000 },
        }),
      },
      { SESSIONPLANE_AUTH_TOKENS: users.path },
      { realAuth: true },
    );
    try {
      const server3 = await choosing.listen();
      const page = await signedInPage(browser, server3.url, { user: 'alice', token: users.tokens.alice }, errors);
      const form = (app: string) => page.locator(`form.launch[data-app="${app}"]`);
      // The job: arguments and a lifetime (no idle timeout: a job has none).
      expect(await form('batch').locator('select[name="idleTimeout"]').count()).toBe(0);
      await form('batch').locator('input[name="args"]').fill('alpha  beta');
      await form('batch').locator('select[name="maxLifetime"]').selectOption({ label: '2 h' });
      await page.screenshot({ path: resolve('test/.artifacts/portal-launch-choices-1280.png'), fullPage: true });
      await form('batch').locator('button[type="submit"]').click();
      const job = await waitFor(async () => (await choosing.deps.store.listByOwner('alice')).items[0], 10_000, 'job');
      expect(job.command?.args).toEqual(['alpha', 'beta']);
      expect(job.maxLifetimeMs).toBe(7_200_000);
      // The interactive app: never idle, and four days' lifetime are offered within its bounds (2 days at most).
      const idle = form('viewer').locator('select[name="idleTimeout"]');
      expect(await idle.locator('option').allTextContents()).toEqual(
        expect.arrayContaining(['Default: 30 min', '5 min', '1 h', 'never']),
      );
      expect(await form('viewer').locator('select[name="maxLifetime"] option').allTextContents()).not.toContain(
        '4 days',
      );
      await idle.selectOption('never');
      await form('viewer').locator('select[name="maxLifetime"]').selectOption({ label: '2 days' });
      await form('viewer').locator('button[type="submit"]').click();
      const viewer = await waitFor(
        async () => (await choosing.deps.store.listByOwner('alice')).items.find((s) => s.app === 'viewer'),
        10_000,
        'viewer',
      );
      expect([viewer.idleTimeoutMs, viewer.maxLifetimeMs]).toEqual([0, 2 * 86_400_000]);
      // An argument its rule refuses: told under the arguments' field, and nothing starts.
      await form('batch').locator('input[name="args"]').fill('ok a|b');
      await form('batch').locator('button[type="submit"]').click();
      const told = form('batch').locator('.field-error[data-field="args"]');
      await waitFor(async () => ((await told.textContent()) ?? '').startsWith('must match'), 10_000, 'field error');
      expect((await choosing.deps.store.listByOwner('alice')).items).toHaveLength(2);
      // The browser logs the refused POST's 400 (the one expected console error); nothing else.
      expect(errors.splice(0)).toEqual([expect.stringContaining('status of 400 (Bad Request)')]);
      await page.setViewportSize({ width: 375, height: 800 });
      await page.screenshot({ path: resolve('test/.artifacts/portal-launch-choices-375.png'), fullPage: true });
      await page.close();
    } finally {
      await choosing.dispose();
    }
    expect(errors).toEqual([]);
  }, 60_000);
});
