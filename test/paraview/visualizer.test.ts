import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium, signedInPage } from '../support/chromium';
import { paraviewTier, visualizerApps, type ParaViewTier } from '../support/paraview';
import { type ServerProcess, startServer } from '../support/server';
import { waitFor } from '../support/wait';

/*
 * #35: the seed's own workload, unchanged. The ParaViewWeb Visualizer 3.2.0 as npm publishes it (its
 * page served as the app's own web client, SESSIONPLANE_WWW), launching through the launcher with the
 * portal's cookie, one pvpython per user under Xvfb, in Debian's Chromium. Screenshots go to
 * test/.artifacts/paraview-*.png.
 */
const tier = paraviewTier();
const ARTIFACTS = 'test/.artifacts';
const users = { alice: 'alice-token-0123456789abcdef', bob: 'bob-token-0123456789abcdefab' };

(!('reason' in tier) && hasChromium ? describe : describe.skip)(
  `ParaViewWeb Visualizer through Sessionplane${'reason' in tier ? ` (skipped: ${tier.reason})` : ''}`,
  () => {
    const pv = tier as ParaViewTier;
    let server: ServerProcess;
    let browser: Browser;
    const pages: Record<string, Page> = {};
    const errors: string[] = [];
    beforeAll(async () => {
      const dir = join(tmpdir(), `sp-pvw-apps-${process.pid}`);
      const apps = `${dir}.yml`;
      const tokens = `${dir}-tokens.yml`;
      writeFileSync(apps, visualizerApps(pv));
      writeFileSync(
        tokens,
        `tokens:\n  - { user: alice, token: ${users.alice} }\n  - { user: bob, token: ${users.bob} }\n`,
      );
      server = await startServer({
        SESSIONPLANE_APPS: apps,
        SESSIONPLANE_WWW: pv.client,
        SESSIONPLANE_AUTH_TOKENS: tokens,
        SESSIONPLANE_SESSION_DOMAIN: 'localhost',
      });
      browser = await launchChromium();
    }, 180_000);
    afterAll(async () => {
      await browser?.close();
      await server?.stop();
      pv.close();
    });

    const sessionsOf = async (token: string) =>
      (
        (await (await fetch(`${server.base}/sessions`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
          sessions: { id: string; status: string; statusReason?: string }[];
        }
      ).sessions;
    const pidOf = (id: string) =>
      (JSON.parse(readFileSync(join(server.dataDir, 'run', `${id}.json`), 'utf8')) as { pid: number }).pid;
    /** The render view's pixels: a frame pushed by pvpython (the page itself draws none). */
    const frame = (page: Page) => page.screenshot({ clip: { x: 330, y: 60, width: 920, height: 820 } });
    /** Light pixels of the view's canvas (its background is dark): what pvpython drew. */
    const litPixels = (page: Page): Promise<number> =>
      page.evaluate(`(() => {
        const canvas = document.querySelector('canvas');
        const data = canvas?.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data;
        let lit = 0;
        for (let i = 0; data && i < data.length; i += 4) if (data[i] > 180 && data[i + 1] > 180) lit++;
        return lit;
      })()`);
    /** A person's drag, in steps as a hand makes it; then the view settles on its still frame. */
    const drag = async (page: Page) => {
      await page.mouse.move(640, 470);
      await page.mouse.down();
      for (let i = 1; i <= 20; i++) {
        await page.mouse.move(640 + i * 10, 470 + i * 4);
        await page.waitForTimeout(50);
      }
      await page.mouse.up();
    };
    /** Waits until the view shows a frame other than `before` that stays put (the still after the interaction). */
    const settledFrameOtherThan = async (page: Page, before: Buffer) =>
      waitFor(
        async () => {
          const one = await frame(page);
          await page.waitForTimeout(500);
          const two = await frame(page);
          return !one.equals(before) && one.equals(two) ? two : undefined;
        },
        60_000,
        'a new frame, settled',
      );

    it("launches from the app's own unmodified page for each signed-in user: a rendered frame, its own pvpython, no secret in the address bar", async () => {
      for (const [user, token] of Object.entries(users)) {
        const page = await signedInPage(browser, server.base, { user, token }, errors);
        await page.goto(`${server.base}/index.html`);
        await page.getByText('wavelet.vti').waitFor({ timeout: 150_000 });
        pages[user] = page;
        expect(page.url()).not.toMatch(/secret|token/);
      }
      const [a, b] = [await sessionsOf(users.alice), await sessionsOf(users.bob)];
      expect(a.map((s) => s.status)).toEqual(['READY']);
      expect(b.map((s) => s.status)).toEqual(['READY']);
      expect(pidOf(a[0]!.id)).not.toBe(pidOf(b[0]!.id));
      // A frame pushed by pvpython drawn into the view's canvas: the wavelet's outline in light lines.
      await waitFor(async () => (await litPixels(pages.alice!)) > 500, 60_000, 'a frame drawn');
      await pages.alice!.screenshot({ path: `${ARTIFACTS}/paraview-visualizer.png` });
    }, 400_000);

    it('rotates: a drag gets new frames from pvpython', async () => {
      const before = await frame(pages.alice!);
      await drag(pages.alice!);
      await settledFrameOtherThan(pages.alice!, before);
      await pages.alice!.screenshot({ path: `${ARTIFACTS}/paraview-rotated.png` });
    }, 120_000);

    it('leaves a pvpython whose event loop is blocked for 90 s alone (busy is not dead), and it renders again after', async () => {
      const [session] = await sessionsOf(users.alice);
      const pid = pidOf(session!.id);
      // As a long load or filter blocks it: it answers nothing, its port still accepts in the kernel.
      process.kill(pid, 'SIGSTOP');
      await new Promise((r) => setTimeout(r, 90_000)); // six of the default 15 s liveness probes
      expect((await sessionsOf(users.alice)).map((s) => s.status)).toEqual(['READY']);
      process.kill(pid, 'SIGCONT');
      const before = await frame(pages.alice!);
      await drag(pages.alice!);
      await settledFrameOtherThan(pages.alice!, before);
      await pages.alice!.screenshot({ path: `${ARTIFACTS}/paraview-after-blocked.png` });
    }, 240_000);

    it("notices a killed pvpython at once, and leaves the other user's alone", async () => {
      const [session] = await sessionsOf(users.bob);
      const killedAt = Date.now();
      process.kill(pidOf(session!.id), 'SIGKILL');
      const ended = await waitFor(
        async () => (await sessionsOf(users.bob)).find((s) => s.id === session!.id && s.status !== 'READY'),
        30_000,
        'the session ended',
      );
      console.log(
        `killed pvpython: its session ${ended.status} (${ended.statusReason}) ${Date.now() - killedAt} ms later`,
      );
      expect(ended.statusReason).toMatch(/^app-exited/);
      expect((await sessionsOf(users.alice)).map((s) => s.status)).toEqual(['READY']);
    }, 60_000);

    it("opens from the portal: Open on the session's card gives the unmodified page that session, its secret from the launcher, none in the address bar", async () => {
      const [session] = await sessionsOf(users.alice);
      const page = await signedInPage(browser, server.base, { user: 'alice', token: users.alice }, errors);
      const card = page.locator(`li.card[data-id="${session!.id}"]`);
      await card.locator('a:has-text("Open")').click();
      await page.waitForURL(/\/visualizer\.html\?sessionId=/);
      await page.getByText('wavelet.vti').waitFor({ timeout: 120_000 });
      await waitFor(async () => (await litPixels(page)) > 500, 60_000, 'a frame drawn');
      await page.screenshot({ path: `${ARTIFACTS}/paraview-portal-open.png` });
      expect(page.url()).toBe(`${server.base}/visualizer.html?sessionId=${session!.id}`);
      // The same session: no second pvpython for alice.
      expect((await sessionsOf(users.alice)).map((s) => s.id)).toEqual([session!.id]);
      // Her address for the app resolves to the same session and page.
      await page.goto(`${server.base}/apps/visualizer/`);
      await page.waitForURL(/\/visualizer\.html\?sessionId=/);
      expect(page.url()).toBe(`${server.base}/visualizer.html?sessionId=${session!.id}`);
      expect(page.url()).not.toMatch(/secret|token/);
    }, 240_000);
  },
);
