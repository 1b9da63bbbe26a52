import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalServer } from '../../functions/local/http-server';
import { loadAppsFile } from '../../shared/config/apps-file';
import { hasChromium, launchChromium, signedInPage } from '../support/chromium';
import { testUsers } from '../support/users';
import { settledStart, startTestPlane, type TestPlane } from '../support/plane';

const users = testUsers({ alice: {}, bob: {}, root: { role: 'admin' } });
const TOKENS = users.tokens;

/** The portal with #21: a session shared with you, your use this month, and the admins' per-user usage. */
describe.skipIf(!hasChromium)('the portal: sharing and usage, in Chromium', () => {
  let plane: TestPlane;
  let server: LocalServer;
  let browser: Browser;
  const errors: string[] = [];

  beforeAll(async () => {
    plane = await startTestPlane(
      Object.fromEntries(loadAppsFile('examples/apps/apps.yml')),
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

  const signedIn = (user: keyof typeof TOKENS, fakeClock = false) =>
    signedInPage(browser, server.url, { user, token: TOKENS[user] }, errors, { fakeClock });

  it("shows bob the session alice shared, which he may open but not stop; his month's use; the admins' per-user usage", async () => {
    const api = (path: string, init: RequestInit = {}) =>
      fetch(`${server.url}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${TOKENS.alice}`, 'content-type': 'application/json' },
      });
    const launched = (await (
      await api('/sessions', { method: 'POST', body: JSON.stringify({ app: 'hello', params: { GREETING: 'Shared' } }) })
    ).json()) as {
      id: string;
    };
    await settledStart(plane, launched.id);
    expect(
      (await api(`/sessions/${launched.id}/shares`, { method: 'POST', body: JSON.stringify({ user: 'bob' }) })).status,
    ).toBe(201);

    const bob = await signedIn('bob');
    const card = bob.locator(`li.session[data-id="${launched.id}"]`);
    await card.waitFor();
    expect(await card.locator('.shared').textContent()).toBe('shared with you by alice');
    expect(await card.locator('button[data-action="stop"]').count()).toBe(0);
    expect(await bob.locator('section.usage h2').textContent()).toBe('This month');
    await bob.screenshot({ path: resolve('test/.artifacts/portal-shared-1280.png'), fullPage: true });
    await card.locator('a:has-text("Open")').click();
    await bob.waitForSelector('h1:has-text("from session")');
    expect(await bob.textContent('h1')).toContain('Shared from session');

    const root = await signedIn('root');
    await root.goto(`${server.url}/admin`);
    const usage = root.locator('table', { has: root.locator('caption', { hasText: 'Usage this month, per user' }) });
    await usage.waitFor();
    expect(await usage.locator('tbody td').first().textContent()).toBe('alice');
    await root.screenshot({ path: resolve('test/.artifacts/portal-admin-usage-1280.png'), fullPage: true });
    expect(errors).toEqual([]);
  }, 90_000);

  it('lets the owner share from the card, and the grantee finds it among their sessions', async () => {
    const alice = await signedIn('alice', true);
    await alice.locator('form.launch[data-app="echo"] button[type="submit"]').click();
    const card = alice.locator('li.session', { has: alice.locator('h3', { hasText: /^echo$/ }) }).first();
    await card.waitFor();
    const id = (await card.getAttribute('data-id'))!;
    // This month's use is refreshed with the cards: hello (the first test's) and this echo.
    await alice.locator('section.usage', { hasText: /^This month\s*2 sessions/ }).waitFor({ timeout: 10_000 });
    await card.locator('details.share-box summary').click();
    // A refusal is said where the form is (the API's own words).
    await card.locator('input[name="grantee"]').fill('alice');
    await card.locator('form.share button[type="submit"]').click();
    await card.locator('form.share .share-status.failed', { hasText: 'The owner has the session already.' }).waitFor();
    // The periodic refresh swaps the cards in anew; the open share box, what was typed and the answer stay.
    await card.evaluate((el) => el.setAttribute('data-before', ''));
    await alice.clock.runFor(16_000);
    await alice.locator(`li.session[data-id="${id}"]:not([data-before])`).waitFor();
    expect(await card.locator('details.share-box').getAttribute('open')).toBe('');
    expect(await card.locator('input[name="grantee"]').inputValue()).toBe('alice');
    expect(await card.locator('form.share .share-status.failed').textContent()).toBe(
      'The owner has the session already.',
    );
    await card.locator('input[name="grantee"]').fill('bob');
    await card.locator('input[name="hours"]').fill('2');
    await card.locator('form.share button[type="submit"]').click();
    await card.locator('form.share .share-status:not(.failed)', { hasText: 'Shared with bob' }).waitFor();
    await alice.screenshot({ path: resolve('test/.artifacts/portal-share-form-1280.png'), fullPage: true });
    const share = (await plane.deps.store.get(id))!.shares![0]!;
    expect(share).toMatchObject({ user: 'bob', by: 'alice' });
    expect(share.expiresAt! - share.createdAt).toBe(2 * 3600_000);
    const bob = await signedIn('bob');
    await bob.locator(`li.session[data-id="${id}"] .shared`).waitFor();
    // Alice's card lists the share; Revoke takes it back, and bob's list no longer has the session.
    const listed = alice.locator(`li.session[data-id="${id}"] ul.shares li`);
    await listed.first().waitFor();
    expect(await listed.first().textContent()).toContain('bob');
    await listed.first().locator('button[data-action="unshare"]').click();
    await alice.locator(`li.session[data-id="${id}"] ul.shares`).waitFor({ state: 'detached' });
    expect((await plane.deps.store.get(id))!.shares).toEqual([]);
    await bob.reload();
    expect(await bob.locator(`li.session[data-id="${id}"]`).count()).toBe(0);
    // Chromium logs the refused share's 400 as a console error; nothing else.
    expect(errors).toEqual([expect.stringContaining('status of 400')]);
  }, 90_000);
});
