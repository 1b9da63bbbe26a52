import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { hasChromium, launchChromium } from '../support/chromium';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type ServerProcess } from '../support/server';

export const SCREENSHOT = resolve('test/.artifacts/wslink-browser.png');

describe.skipIf(!hasChromium)('a trame-style page in headless Chromium', () => {
  let server: ServerProcess;
  let browser: Browser;

  beforeAll(async () => {
    server = await startServer();
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('launches through the launcher, connects through the router with the secret, and an RPC answers', async () => {
    const page = await browser.newPage();
    const failures: string[] = [];
    page.on('pageerror', (error) => failures.push(error.message));
    await page.goto(`${server.base}/demo.html#token=${server.adminToken}`);
    await page.waitForFunction("document.getElementById('result')?.textContent === '42'", undefined, {
      timeout: 20_000,
    });
    expect(await page.textContent('#status')).toBe('connected');
    expect(failures).toEqual([]);
    mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
    // The session exists, owned by whoever the page's token names, and is READY.
    const sessions = (await (await server.api('/sessions')).json()) as { sessions: { app: string; status: string }[] };
    expect(sessions.sessions).toContainEqual(expect.objectContaining({ app: 'wslink', status: 'READY' }));
  }, 60_000);
});
