import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { browserPlane } from '../support/browser-plane';
import { hasChromium } from '../support/chromium';
import { portalApps, portalPages } from '../support/portal-fixture';
import { waitFor } from '../support/wait';

const ARTIFACTS = resolve('test/.artifacts');

describe.skipIf(!hasChromium)('the portal in headless Chromium', () => {
  const at = browserPlane({ alice: {}, bob: {}, root: { role: 'admin' } }, portalApps(), {
    SESSIONPLANE_MAX_SESSIONS_PER_USER: '2',
  });
  const { errors } = at;
  const TOKENS = at.users.tokens;
  const { as, card, shot, contexts, refusals } = portalPages(at, ARTIFACTS);
  beforeAll(() => mkdirSync(ARTIFACTS, { recursive: true }));

  it('signs a tokens-file user in with an HttpOnly, SameSite cookie (no token in the address bar), and out again', async () => {
    const context = await at.browser.newContext({ viewport: { width: 375, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${at.server.url}/`);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await shot(page, 'sign-in-375');
    await page.fill('#token', 'not-a-token-at-all-000000');
    await page.click('button[type="submit"]');
    expect(await page.textContent('[role="alert"]')).toContain('not valid');
    await page.fill('#token', TOKENS.alice);
    await page.click('button[type="submit"]');
    await page.waitForSelector('h1:has-text("My sessions")');
    expect(page.url()).toBe(`${at.server.url}/`);
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: 'sessionplane_portal', httpOnly: true, sameSite: 'Lax' });
    expect(await page.evaluate('JSON.stringify(localStorage) + document.cookie')).toBe('{}');
    await shot(page, 'home-empty-375');
    await page.click('button:has-text("Sign out")');
    await page.waitForSelector('#token');
    await page.goto(`${at.server.url}/`);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await context.close();
  });

  it('launches hello with a param, shows its progress, opens it and sees its greeting, then stops it', async () => {
    const page = await as('alice');
    await page.goto(`${at.server.url}/`);
    const form = page.locator('form.launch[data-app="hello"]');
    await form.locator('input[name="params.GREETING"]').fill('Hi there');
    await form.locator('button[type="submit"]').click();
    const hello = card(page, 'hello');
    await hello.waitFor();
    // Its progress bar or its READY badge: a local process is quick.
    await waitFor(
      async () => (await hello.getAttribute('data-status')) === 'READY',
      15_000,
      'hello READY in the portal',
    );
    await shot(page, 'home-1280');
    await hello.locator('a:has-text("Open")').click();
    await page.waitForSelector('h1:has-text("from session")');
    expect(await page.textContent('h1')).toContain('Hi there from session');
    expect(page.url()).not.toContain('token=');
    await page.goto(`${at.server.url}/`);
    await card(page, 'hello').locator('button[data-action="stop"]').click();
    await waitFor(
      async () => (await card(page, 'hello').getAttribute('data-status')) === 'STOPPED',
      10_000,
      'hello STOPPED',
    );
    expect(await card(page, 'hello').locator('.ended').textContent()).toBe('Stopped by you');

    // A slower app: its card shows a live progress bar, with the phase it is in, until it is ready.
    await page.locator('form.launch[data-app="slow"] button[type="submit"]').click();
    const slow = card(page, 'slow');
    await slow.locator('.progress').waitFor();
    await waitFor(
      async () => /ready line/.test((await slow.locator('.phase').textContent()) ?? ''),
      10_000,
      'the probing phase shown',
    );
    expect(Number(await slow.locator('progress').getAttribute('value'))).toBeGreaterThanOrEqual(85);
    await shot(page, 'progress-1280');
    await waitFor(async () => (await slow.getAttribute('data-status')) === 'READY', 15_000, 'slow READY');
    await slow.locator('button[data-action="stop"]').click();
    await waitFor(async () => (await slow.getAttribute('data-status')) === 'STOPPED', 10_000, 'slow STOPPED');
  });

  it("shows the quota's refusal and a failed app's reason next to what caused them", async () => {
    const page = await as('alice');
    await page.goto(`${at.server.url}/`);
    const launch = async (app: string) => page.locator(`form.launch[data-app="${app}"] button[type="submit"]`).click();
    await launch('echo');
    await card(page, 'echo').waitFor();
    await launch('hello');
    await waitFor(
      async () =>
        (await page.locator('li.session[data-status="READY"], li.session[data-status="STARTING"]').count()) === 2,
      15_000,
      'two live',
    );
    await launch('echo');
    const error = page.locator('form.launch[data-app="echo"] .form-error');
    await waitFor(
      async () => /maximum of 2 active sessions/.test((await error.textContent()) ?? ''),
      5000,
      'the quota message',
    );
    // A param that does not match: the problem is shown at its field.
    await page
      .locator('form.launch[data-app="hello"] input[name="params.GREETING"]')
      .evaluate((el) => el.removeAttribute('pattern'));
    await page.locator('form.launch[data-app="hello"] input[name="params.GREETING"]').fill('<script>');
    await launch('hello');
    await waitFor(
      async () =>
        ((await page.locator('.field-error[data-field="params.GREETING"]').first().textContent()) ?? '').includes(
          'must match',
        ),
      5000,
      'the field error',
    );
    await shot(page, 'launch-errors-1280');
    // Room for one more: the broken app fails, and says why.
    await card(page, 'echo').locator('button[data-action="stop"]').click();
    await waitFor(
      async () => (await card(page, 'echo').getAttribute('data-status')) === 'STOPPED',
      10_000,
      'echo stopped',
    );
    await launch('broken');
    await waitFor(
      async () => (await card(page, 'broken').getAttribute('data-status')) === 'FAILED',
      15_000,
      'broken FAILED',
    );
    expect(await card(page, 'broken').locator('.reason').textContent()).toMatch(/exited before it was ready/);
  });

  it("keeps users apart: bob sees none of alice's sessions", async () => {
    const bob = await as('bob', 375);
    await bob.goto(`${at.server.url}/`);
    expect(await bob.locator('li.session').count()).toBe(0);
    expect(await bob.textContent('#sessions')).toContain('No sessions yet');
    await shot(bob, 'home-bob-375');
  });

  it('starts an app on the first visit of /apps/<app>/ and reuses it on the next', async () => {
    const page = await as('bob');
    await page.goto(`${at.server.url}/apps/hello/`);
    await page.waitForSelector('h1:has-text("from session")');
    const first = /\/s\/([0-9a-f]{32})\//.exec(page.url())![1];
    await page.goto(`${at.server.url}/apps/hello/`);
    await page.waitForSelector('h1:has-text("from session")');
    expect(/\/s\/([0-9a-f]{32})\//.exec(page.url())![1]).toBe(first);
    // The same for echo (a WebSocket app): one session, whatever the number of visits.
    const cookie = (await page.context().cookies()).find((c) => c.name === 'sessionplane_portal')!;
    const visit = async () => {
      const res = await fetch(`${at.server.url}/apps/echo/`, {
        redirect: 'manual',
        headers: { cookie: `sessionplane_portal=${cookie.value}` },
      });
      expect(res.status).toBe(303);
      return /\/s\/([0-9a-f]{32})\//.exec(res.headers.get('location')!)![1];
    };
    const echo = await visit();
    expect(await visit()).toBe(echo);
    // Once it has ended (as the reaper would end it for idleness), the same address starts a new one.
    await page.goto(`${at.server.url}/`);
    const csrf = (await page.getAttribute('meta[name="csrf-token"]', 'content')) ?? '';
    await fetch(`${at.server.url}/sessions/${echo}`, {
      method: 'DELETE',
      headers: { cookie: `sessionplane_portal=${cookie.value}`, 'x-csrf-token': csrf },
    });
    await waitFor(async () => (await at.plane.deps.store.get(echo!))?.status === 'STOPPED', 10_000, 'echo stopped');
    expect(await visit()).not.toBe(echo);
  });

  it('is operable by keyboard alone: Tab to a launch button, Enter launches', async () => {
    const page = await as('root');
    await page.goto(`${at.server.url}/`);
    const before = await page.locator('li.session').count();
    let focused = '';
    for (let i = 0; i < 40 && focused !== 'broken'; i++) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(
        'document.activeElement?.closest("form.launch")?.dataset.app === "broken" && document.activeElement.type === "submit" ? "broken" : ""',
      );
    }
    expect(focused).toBe('broken');
    await page.keyboard.press('Enter');
    await waitFor(async () => (await page.locator('li.session').count()) > before, 10_000, 'a card for the launch');
  });

  it('renders every page at 375 and 1280 px', async () => {
    for (const width of [375, 1280]) {
      const page = await as('root', width);
      for (const [name, path] of [
        ['home', '/'],
        ['admin', '/admin'],
      ] as const) {
        await page.goto(`${at.server.url}${path}`);
        await shot(page, `${name}-root-${width}`);
        // Nothing wider than the screen (the admin page's tables were 9 px over at 375).
        const over = (await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
        expect(over, `${path} at ${width} px`).toBeLessThanOrEqual(0);
      }
      const anonymous = await at.browser.newPage({ viewport: { width, height: 800 } });
      await anonymous.goto(`${at.server.url}/sign-in`);
      await shot(anonymous, `sign-in-${width}`);
      await anonymous.close();
    }
  });

  it("shows an admin every live session, alice's and bob's, with per-user totals; nobody else", async () => {
    const admin = await as('root');
    await admin.goto(`${at.server.url}/admin`);
    await admin.waitForSelector('h1:has-text("Every live session")');
    expect(await admin.locator('li.session').count()).toBeGreaterThan(0);
    expect(await admin.textContent('#sessions')).toContain('owner alice');
    expect(await admin.textContent('#sessions')).toContain('owner bob');
    expect(await admin.locator('table caption:text-is("Per user") + thead + tbody td:has-text("bob")').count()).toBe(1);
    expect(await admin.locator('table caption:text-is("Per user") + thead + tbody td:has-text("alice")').count()).toBe(
      1,
    );
    await shot(admin, 'admin-1280');
    const notAdmin = await as('bob');
    const res = await notAdmin.goto(`${at.server.url}/admin`);
    expect(res?.status()).toBe(403);
  });

  it('refuses a request that changes state with the cookie but without its CSRF token (a forged cross-site POST)', async () => {
    const context = contexts.get('alice:1280')!;
    const cookie = (await context.cookies()).find((c) => c.name === 'sessionplane_portal')!;
    const forged = await fetch(`${at.server.url}/sessions`, {
      method: 'POST',
      headers: {
        cookie: `sessionplane_portal=${cookie.value}`,
        'content-type': 'text/plain',
        origin: 'https://evil.example',
      },
      body: '{"app":"echo"}',
    });
    expect(forged.status).toBe(403);
    expect(await forged.json()).toMatchObject({ code: 'auth.forbidden' });
    const signOut = await fetch(`${at.server.url}/sign-out`, {
      method: 'POST',
      headers: {
        cookie: `sessionplane_portal=${cookie.value}`,
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'https://evil.example',
      },
      body: '',
      redirect: 'manual',
    });
    expect(signOut.status).toBe(403);
    // A read with the cookie is fine.
    expect(
      (await fetch(`${at.server.url}/sessions`, { headers: { cookie: `sessionplane_portal=${cookie.value}` } })).status,
    ).toBe(200);
  });

  it('logged no console error on any page but the refusals the tests asked for', () => {
    // Chromium logs every 4xx a page fetches as a console error: the quota's 429, the bad param's
    // 400 and bob's 403 at /admin are the tests' own; anything else (a script error, a CSP
    // violation, another refusal) fails here.
    const asked = /^(alice: 4(29|00) \/sessions|bob: 403 \/admin)$/;
    expect(refusals.filter((r) => !asked.test(r))).toEqual([]);
    expect(
      errors.filter((e) => !/Failed to load resource: the server responded with a status of (400|403|429)/.test(e)),
    ).toEqual([]);
  });
});
