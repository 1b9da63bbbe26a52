import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { homeName } from '../../shared/domain/homes';
import { fixtureApp } from '../support/apps';
import { browserPlane } from '../support/browser-plane';
import { hasChromium, signedInPage } from '../support/chromium';
import { waitFor } from '../support/wait';

/** #38: a person's files in the portal: upload, a folder, download, delete, the quota told in the API's words. */
describe.skipIf(!hasChromium)('Files in the portal, in Chromium', () => {
  const at = browserPlane({ alice: {} }, { web: fixtureApp() }, { SESSIONPLANE_HOME_QUOTA: '1Mi' });
  const { users, errors } = at;

  const follow = async (page: Page, selector: string) => Promise.all([page.waitForNavigation(), page.click(selector)]);
  const home = () => join(at.plane.dataDir, 'homes', homeName('alice'));

  it('uploads two files, opens a folder, downloads a file, deletes one, and says when the home is full', async () => {
    const page = await signedInPage(at.browser, at.server.url, { user: 'alice', token: users.tokens.alice }, errors);
    await follow(page, 'a[href="/portal/files"]');
    expect(await page.textContent('h1')).toBe('Files');
    expect(await page.textContent('main')).toContain('Nothing here yet.');
    const local = join(at.plane.dataDir, 'upload');
    writeFileSync(`${local}-a.csv`, 'x,y\n1,2\n');
    writeFileSync(`${local}-b.txt`, 'notes');
    await page.setInputFiles('#upload-files', [`${local}-a.csv`, `${local}-b.txt`]);
    await follow(page, 'form.upload button');
    await waitFor(async () => (await page.locator('table.files tbody tr').count()) === 2, 10_000, 'two files listed');
    expect(readFileSync(join(home(), 'upload-a.csv'), 'utf8')).toBe('x,y\n1,2\n');
    expect(await page.textContent('main')).toContain('13 bytes of 1.0 MiB used');

    // A folder a session made, and a file in it: opened, then the file downloaded.
    mkdirSync(join(home(), 'results'));
    writeFileSync(join(home(), 'results', 'plot.svg'), '<svg/>');
    await page.reload();
    await follow(page, 'a[href="/portal/files/results"]');
    expect(await page.textContent('nav.crumbs')).toBe('Home / results');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('a[download="plot.svg"]')]);
    expect(download.suggestedFilename()).toBe('plot.svg');
    expect(readFileSync((await download.path())!, 'utf8')).toBe('<svg/>');
    await page.screenshot({ path: 'test/.artifacts/portal-files-folder.png', fullPage: true });

    await follow(page, 'nav.crumbs a[href="/portal/files"]');
    await follow(page, 'button[aria-label="Delete upload-b.txt"]');
    expect(await page.locator('button[aria-label="Delete upload-b.txt"]').count()).toBe(0);

    // Past the quota (1 MiB): the page says so in the API's words, and nothing is left.
    writeFileSync(`${local}-big.bin`, Buffer.alloc(2 * 1024 * 1024));
    await page.setInputFiles('#upload-files', `${local}-big.bin`);
    await page.click('form.upload button');
    await waitFor(async () => /quota/.test((await page.textContent('.upload-status')) ?? ''), 10_000, 'the refusal');
    await page.screenshot({ path: 'test/.artifacts/portal-files.png', fullPage: true });
    expect(readdirSync(home()).sort()).toEqual(['results', 'upload-a.csv']);
    await page.setViewportSize({ width: 375, height: 800 });
    expect(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')).toBe(0);
    await page.screenshot({ path: 'test/.artifacts/portal-files-375.png', fullPage: true });
    // The refused upload's 507 is the one failed request Chromium logs.
    expect(errors).toEqual([expect.stringContaining('status of 507')]);
  });
});
