import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalServer } from '../../functions/local/http-server';
import { fixtureApp } from '../support/apps';
import { hasChromium, launchChromium } from '../support/chromium';
import { rawGet } from '../support/http';
import { waitFor } from '../support/wait';
import { startTestPlane, type TestPlane } from '../support/plane';

const ARTIFACTS = resolve('test/.artifacts');

/** A browser sent to a session's connectURL while it starts (#15 item 4). */
describe.skipIf(!hasChromium)('the holding page in headless Chromium', () => {
  let plane: TestPlane;
  let server: LocalServer;
  let browser: Browser;
  const launch = async (app: string) => {
    const res = await plane.request('/sessions', { method: 'POST', body: JSON.stringify({ app }) });
    return (await res.json()) as { id: string; token: string; connectURL: string };
  };
  // The slow app listens once the test puts its session's file here: it is ready when the test says, however slow the
  // machine (a fixed delay was once too short beside two CPU hogs: the page had moved on before it was looked at).
  const gates = mkdtempSync(join(tmpdir(), 'sp-holding-'));
  const letReady = (id: string) => writeFileSync(join(gates, id), '');

  beforeAll(async () => {
    plane = await startTestPlane(
      {
        // Ready when the test lets it (letReady).
        slow: fixtureApp(['--wait-file', `${gates}/\${id}`, '--ready-line', 'App running at'], {
          ready: { kind: 'line', line: 'App running at' },
        }),
        // Says what it was given, then exits before it is ready.
        broken: fixtureApp(['--print-argv', '--mode', 'exit', '--delay', '800'], {
          params: { DATASET: { type: 'string', default: 'm31', maxLength: 16, required: false } },
        }),
      },
      { SESSIONPLANE_EVENT_KEEPALIVE: '1s' },
    );
    server = await plane.listen();
    browser = await launchChromium();
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await plane?.dispose();
  });

  it('shows the launch as it happens, then the app, with no token left in the address bar', async () => {
    const s = await launch('slow');
    const page = await browser.newPage();
    const failures: string[] = [];
    page.on('pageerror', (error) => failures.push(error.message));
    await page.goto(s.connectURL);
    await page.waitForSelector('#steps li:nth-child(3)', { timeout: 30_000 });
    expect(await page.textContent('h1')).toContain('Starting slow');
    expect(page.url()).not.toContain(s.token);
    expect(Number(await page.getAttribute('#bar', 'value'))).toBeGreaterThanOrEqual(85);
    expect(await page.locator('#steps li').allTextContents()).toEqual([
      'Launch of slow requested.',
      expect.stringMatching(/^Process \d+ started\.$/),
      'Waiting for its ready line "App running at".',
    ]);
    await page.screenshot({ path: resolve(ARTIFACTS, 'holding-page-starting.png') });
    letReady(s.id);
    // READY: the page moves on to the app by itself (the fixture app answers with what it saw).
    // (Polled from here: the holding page's CSP allows no script but its own, not even the driver's.)
    await waitFor(
      async () => ((await page.textContent('body').catch(() => '')) ?? '').includes('"path":"/"'),
      30_000,
      'the app',
    );
    expect(page.url()).toBe(`${server.url}/s/${s.id}/`);
    await page.screenshot({ path: resolve(ARTIFACTS, 'holding-page-ready.png') });
    expect(failures).toEqual([]);
  }, 90_000);

  it("shows a failed start's reason and the last lines it wrote", async () => {
    const s = await launch('broken');
    const page = await browser.newPage();
    await page.goto(s.connectURL);
    await page.waitForSelector('#reason', { timeout: 15_000 });
    expect(await page.textContent('h1')).toBe('broken did not start');
    expect(await page.textContent('#reason')).toBe('exited-before-ready: exit code 3');
    expect(await page.textContent('#log')).toContain('ARGV');
    // Launch again: the portal's link that carries the same settings (it shows what will start first).
    expect(await page.getAttribute('#again', 'href')).toBe(`${server.url}/apps/broken/?DATASET=m31`);
    expect(page.url()).not.toContain(s.token);
    await page.screenshot({ path: resolve(ARTIFACTS, 'holding-page-failed.png') });
  }, 90_000);

  it('shows an ended session as a page with why and a way back, not problem+json (#33)', async () => {
    const s = await launch('slow');
    letReady(s.id);
    const page = await browser.newPage();
    await page.goto(s.connectURL);
    await waitFor(
      async () => ((await page.textContent('body').catch(() => '')) ?? '').includes('"path":"/"'),
      30_000,
      'the app',
    );
    expect((await plane.request(`/sessions/${s.id}`, { method: 'DELETE' })).status).toBeLessThan(300);
    await waitFor(async () => (await plane.deps.store.get(s.id))?.status === 'STOPPED', 15_000, 'STOPPED');
    const answer = await page.reload();
    expect(answer?.status()).toBe(404);
    expect(await page.textContent('h1')).toBe('slow has ended');
    expect(await page.textContent('#reason')).toBe('It was stopped by its owner.');
    expect(await page.getAttribute('#back', 'href')).toBe(`${server.url}/`);
    expect(await page.getAttribute('#again', 'href')).toBe(`${server.url}/apps/slow/`);
    await page.screenshot({ path: resolve(ARTIFACTS, 'holding-page-ended.png') });
  }, 90_000);
});

describe('the holding page over HTTP: who gets it, and what it may load', () => {
  let plane: TestPlane;
  let server: LocalServer;
  const navigation = {
    'sec-fetch-mode': 'navigate',
    'sec-fetch-dest': 'document',
    'sec-fetch-site': 'none',
    accept: 'text/html',
  };

  beforeAll(async () => {
    plane = await startTestPlane({ slow: fixtureApp(['--delay', '1500']) }, { SESSIONPLANE_EVENT_KEEPALIVE: '300ms' });
    server = await plane.listen();
  });
  afterAll(async () => plane?.dispose());

  it('moves the token to a cookie at once, then answers a navigation with the page; curl is held and proxied as before', async () => {
    const s = (await (await plane.request('/sessions', { method: 'POST', body: '{"app":"slow"}' })).json()) as {
      id: string;
      token: string;
      connectURL: string;
    };
    const redirect = await rawGet(s.connectURL, navigation);
    expect(redirect.status).toBe(302);
    // Not held until READY: answered while the session still starts.
    expect((await plane.deps.store.get(s.id))?.status).not.toBe('READY');
    const cookie = String(redirect.headers['set-cookie']).split(';')[0]!;
    const page = await rawGet(`${server.url}/s/${s.id}/`, { ...navigation, cookie });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['content-security-policy']).toMatch(/default-src 'none'; script-src 'nonce-/);
    const html = page.body;
    expect(html).toContain(`new EventSource("/s/${s.id}/.sessionplane/events")`);
    expect(html).not.toContain(s.token);
    // The page's stream, with the cookie, from the page's own path.
    const stream = await rawGet(`${server.url}/s/${s.id}/.sessionplane/events`, {
      cookie,
      'sec-fetch-site': 'same-origin',
      'sec-fetch-mode': 'cors',
      referer: `${server.url}/s/${s.id}/`,
    });
    const text = stream.body;
    expect(text).toMatch(/^id: 1\ndata: .*"phase":"requested"/);
    expect(text).toMatch(/"phase":"ready".*"ready":true/);
    // Without the cookie, nothing: the stream is the session's, like every path under it.
    expect((await fetch(`${server.url}/s/${s.id}/.sessionplane/events`)).status).toBe(403);
    // curl (no navigation) is held until READY and proxied, as it always was.
    const curl = await fetch(`${server.url}/s/${s.id}/x?token=${s.token}`);
    expect(((await curl.json()) as { path: string }).path).toBe('/x');
  });
});
