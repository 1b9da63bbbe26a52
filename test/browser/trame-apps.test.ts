import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from '../support/chromium';
import { type ServerProcess, startServer } from '../support/server';

/*
 * #35: a trame image's apps.yml with two entries, as the trame image serves it: no accounts (each
 * visitor gets their own process), `/` launches the first app and `/hello.html` the second, all
 * under TRAME_URL_PREFIX=/viz. examples/trame/ as it is, in Debian's Chromium. Screenshots go to
 * test/.artifacts/trame-*.png.
 */
(hasChromium ? describe : describe.skip)('a trame apps.yml with two entries, under TRAME_URL_PREFIX=/viz', () => {
  let server: ServerProcess;
  let browser: Browser;
  beforeAll(async () => {
    server = await startServer({
      SESSIONPLANE_APPS: 'examples/trame/apps.yml',
      SESSIONPLANE_WWW: 'examples/trame/www',
      SESSIONPLANE_PORTAL: 'off',
      TRAME_URL_PREFIX: '/viz',
    });
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** Opens a page as a new visitor (no account, no cookie) and waits for its client to connect. */
  const visit = async (path: string, shot: string) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const requested: string[] = [];
    page.on('request', (r) => requested.push(new URL(r.url()).pathname));
    page.on('websocket', (ws) => requested.push(new URL(ws.url()).pathname));
    await page.goto(`${server.base}${path}`);
    await page.locator('#status', { hasText: 'connected' }).waitFor({ timeout: 60_000 });
    await page.locator('#result', { hasText: '42' }).waitFor();
    await page.screenshot({ path: `test/.artifacts/${shot}.png` });
    const app = await page.textContent('#app');
    await context.close();
    return { app, requested };
  };

  it('serves / and /hello.html under the prefix, each its client launching its own app for a visitor, every URL under /viz', async () => {
    const root = await visit('/viz/', 'trame-root');
    expect(root.app).toBe('trame');
    const hello = await visit('/viz/hello.html', 'trame-hello');
    expect(hello.app).toBe('hello');
    for (const path of [...root.requested, ...hello.requested]) expect(path).toMatch(/^\/viz\//);
    expect(root.requested).toEqual(expect.arrayContaining(['/viz/', '/viz/wslink.js', '/viz/paraview/', '/viz/proxy']));
    // Two visitors, two processes, each of its own app.
    const all = (await (await server.api('/viz/sessions?all=true')).json()) as {
      sessions: { app: string; owner: string; status: string }[];
    };
    expect(all.sessions.map((s) => s.app).sort()).toEqual(['hello', 'trame']);
    for (const s of all.sessions) expect(s.owner).toMatch(/^visitor-[0-9a-f]{24}$/);
    expect(new Set(all.sessions.map((s) => s.owner)).size).toBe(2);
  }, 180_000);
});
