import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type ServerProcess } from '../support/server';

const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOT = resolve('test/.artifacts/wslink-browser.png');

// CI installs Debian's chromium (.ci/run), so this must run there; elsewhere it needs the same package.
if (!existsSync(CHROMIUM) && process.env.CI) throw new Error('CI must run the browser test, but /usr/bin/chromium is missing.');

describe.skipIf(!existsSync(CHROMIUM))('a trame-style page in headless Chromium', () => {
  let server: ServerProcess;
  let browser: Browser;

  beforeAll(async () => {
    server = await startServer();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('launches through the launcher, connects through the router with the secret, and an RPC answers', async () => {
    const page = await browser.newPage();
    const failures: string[] = [];
    page.on('pageerror', (error) => failures.push(error.message));
    await page.goto(`${server.base}/#token=${server.adminToken}`);
    await page.waitForFunction("document.getElementById('result')?.textContent === '42'", undefined, { timeout: 20_000 });
    expect(await page.textContent('#status')).toBe('connected');
    expect(failures).toEqual([]);
    mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
    // The session exists, owned by whoever the page's token names, and is READY.
    const sessions = (await (await server.api('/sessions')).json()) as { sessions: { app: string; status: string }[] };
    expect(sessions.sessions).toContainEqual(expect.objectContaining({ app: 'wslink', status: 'READY' }));
  }, 60_000);
});
