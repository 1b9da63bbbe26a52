import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium: .ci/run installs it, so the browser tests must run in CI; elsewhere they need the same package. */
const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && process.env.CI) throw new Error(`CI must run the browser tests, but ${CHROMIUM} is missing.`);

/** Headless Chromium driven by playwright-core, without the network chatter a first run makes. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
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
}

/**
 * A new page signed in to the portal at `baseUrl` with a tokens-file token (its own cookie jar: a
 * browser context per page); console errors go to `errors`. `fakeClock`: Playwright's clock, so a
 * test can run the page's timers on.
 */
export async function signedInPage(
  browser: Browser,
  baseUrl: string,
  who: { user: string; token: string },
  errors: string[],
  options: { width?: number; fakeClock?: boolean } = {},
): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: options.width ?? 1280, height: 900 } });
  if (options.fakeClock) await page.clock.install();
  page.on('console', (m) => m.type() === 'error' && errors.push(`${who.user}: ${m.text()}`));
  await page.goto(`${baseUrl}/sign-in`);
  await page.fill('#token', who.token);
  await page.click('button[type="submit"]');
  await page.waitForSelector('h1');
  return page;
}
