import { join, resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import type { AppSpec } from '../../shared/domain/app';
import { fixtureApp } from './apps';
import type { browserPlane } from './browser-plane';

/*
 * What the portal's Chromium test (test/browser/portal.test.ts) runs against: its apps and its signed-in pages.
 */

/**
 * The portal test's apps (test/browser/portal.test.ts): a page with a param, a WebSocket echo, one that exits before it
 * is ready, and a slow one whose progress can be watched.
 */
export function portalApps(): Record<string, AppSpec> {
  const examples = resolve('examples/apps');
  const node = process.execPath;
  return {
    hello: fixtureApp([], {
      description: 'A small HTTP page',
      command: [node, join(examples, 'http-app.mjs')],
      ready: { kind: 'http', path: '/healthz' },
      params: {
        GREETING: {
          type: 'string',
          pattern: '[A-Za-z ,!]{1,40}',
          default: 'Hello',
          maxLength: 40,
          required: false,
          description: "The page's greeting",
        },
      },
      resources: { cpu: 0.25, memory: 256, gpus: 0 },
      limits: { cpu: 2, memory: 2048, gpus: 0 },
    }),
    echo: fixtureApp([], {
      command: [node, join(examples, 'echo-ws.mjs'), '--host', '${host}', '--port', '${port}'],
      ready: { kind: 'line', line: 'App running at' },
    }),
    broken: fixtureApp(['--mode', 'exit', '--delay', '300'], { description: 'Exits before it is ready' }),
    // Ready about 2.5 s after it starts: long enough to watch its progress.
    slow: fixtureApp(['--delay', '2500', '--ready-line', 'App running at'], {
      ready: { kind: 'line', line: 'App running at' },
    }),
  };
}

/**
 * The portal test's pages: `as(user, width)` a page signed in as `user` (one browser context per user and width, so
 * each has its own cookie, kept in `contexts`), its console errors into the plane's `errors` and every answer of 400 or
 * more into `refusals` (only the refusals a test asks for may be there); `card` a session's card by name; `shot` a
 * full-page screenshot into `artifacts`.
 */
export function portalPages(at: ReturnType<typeof browserPlane<'alice' | 'bob' | 'root'>>, artifacts: string) {
  const contexts = new Map<string, BrowserContext>();
  const refusals: string[] = [];
  const as = async (user: 'alice' | 'bob' | 'root', width = 1280): Promise<Page> => {
    let context = contexts.get(`${user}:${width}`);
    if (!context) {
      context = await at.browser.newContext({ viewport: { width, height: 900 } });
      contexts.set(`${user}:${width}`, context);
      const page = await context.newPage();
      await page.goto(`${at.server.url}/`);
      await page.fill('#token', at.users.tokens[user]);
      await page.click('button[type="submit"]');
      await page.waitForSelector('h1');
      await page.close();
    }
    const page = await context.newPage();
    page.on('pageerror', (e) => at.errors.push(`${user}: ${e.message}`));
    page.on('console', (m) => m.type() === 'error' && at.errors.push(`${user}: ${m.text()}`));
    page.on(
      'response',
      (r) => r.status() >= 400 && refusals.push(`${user}: ${r.status()} ${new URL(r.url()).pathname}`),
    );
    return page;
  };
  const card = (page: Page, name: string) =>
    page.locator('li.session', { has: page.locator('h3', { hasText: new RegExp(`^${name}$`) }) }).first();
  const shot = (page: Page, name: string) =>
    page.screenshot({ path: resolve(artifacts, `portal-${name}.png`), fullPage: true });
  return { as, card, shot, contexts, refusals };
}
