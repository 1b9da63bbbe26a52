import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalServer } from '../../functions/local/http-server';
import { currentWarnings } from '../../shared/domain/transitions';
import { reap } from '../../shared/services/reaper/reap';
import { fixtureApp } from '../support/apps';
import { hasChromium, launchChromium, signedInPage } from '../support/chromium';
import { settledStart, startTestPlane, type TestPlane } from '../support/plane';
import { testUsers } from '../support/users';

const users = testUsers({ alice: {} });

/** The portal's warning banners (#19): an end coming, or idleness; each goes once it no longer holds. */
describe.skipIf(!hasChromium)('the portal warns before the reaper stops a session, in Chromium', () => {
  let plane: TestPlane;
  let server: LocalServer;
  let browser: Browser;
  const errors: string[] = [];

  beforeAll(async () => {
    plane = await startTestPlane(
      {
        // Ten minutes to live, warned in the last five (warnBefore is at most half the lifetime).
        brief: fixtureApp([], { maxLifetimeMs: 600_000, warnBeforeMs: 900_000 }),
        // Stopped after ten quiet minutes, warned after five.
        quiet: fixtureApp([], { idleTimeoutMs: 600_000 }),
      },
      { SESSIONPLANE_AUTH_TOKENS: users.path },
      { realAuth: true },
    );
    server = await plane.listen();
    browser = await launchChromium();
    mkdirSync(resolve('test/.artifacts'), { recursive: true });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await plane?.dispose();
    users.dispose();
  });

  const launch = async (app: string) => {
    const res = await users.api(server.url, 'alice', '/sessions', { method: 'POST', body: JSON.stringify({ app }) });
    return settledStart(plane, ((await res.json()) as { id: string }).id);
  };
  const banner = (page: Page, id: string) => page.locator(`li.session[data-id="${id}"] p.banner`);

  it('warns of the end with Extend, which renews the session and takes the banner away; warns of idleness until it is used', async () => {
    const brief = await launch('brief');
    const quiet = await launch('quiet');
    // The reaper, six minutes on: within five minutes of the end (brief), quiet for over five (quiet).
    await reap({ ...plane.deps, clock: { now: () => Date.now() + 360_000 } }, { concurrency: 4, callTimeoutMs: 5000 });
    expect((await plane.deps.store.get(brief.id))!.warned?.expiry).toBe(brief.expiresAt);
    expect((await plane.deps.store.get(quiet.id))!.warned?.idle).toBeDefined();

    const page = await signedInPage(browser, server.url, { user: 'alice', token: users.tokens.alice }, errors);
    expect(await banner(page, brief.id).textContent()).toMatch(
      /^It will end at \d\d:\d\d UTC, in (9|10) min: extend it to keep it\. Extend$/,
    );
    expect(await banner(page, quiet.id).textContent()).toBe(
      'Nobody has used it for a while: it will be stopped as idle unless it is used. Use it',
    );
    await page.screenshot({ path: resolve('test/.artifacts/portal-expiry-banner-1280.png'), fullPage: true });

    await banner(page, brief.id).locator('button', { hasText: 'Extend' }).click();
    await banner(page, brief.id).waitFor({ state: 'detached', timeout: 10_000 });
    const renewed = (await plane.deps.store.get(brief.id))!;
    expect(renewed.expiresAt).toBeGreaterThan(brief.expiresAt);
    expect(currentWarnings(renewed)).toBeUndefined(); // the record keeps the old warning as history

    // Used (the router records activity): the idle banner goes with the next look.
    await plane.deps.store.recordActivity(quiet.id, Date.now());
    await page.reload();
    expect(await banner(page, quiet.id).count()).toBe(0);
    expect(errors).toEqual([]);
  }, 60_000);
});
