import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { hasChromium, launchChromium } from '../support/chromium';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type ServerProcess } from '../support/server';
import { waitFor } from '../support/wait';

const ARTIFACTS = resolve('test/.artifacts');

const ALICE = 'alice-token-0123456789abcdef';
const BOB = 'bob-token-0123456789abcdef01';

/** An apps file with alice's targets (a page, an echo socket) and bob's hostile page. */
function fixtures(): { apps: string; tokens: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sp-iso-'));
  const apps = join(dir, 'apps.yml');
  const node = JSON.stringify(process.execPath);
  writeFileSync(
    apps,
    [
      'hello:',
      `  cmd: [${node}, ${JSON.stringify(resolve('examples/apps/http-app.mjs'))}]`,
      '  ready: { http: /healthz }',
      'echo:',
      `  cmd: [${node}, ${JSON.stringify(resolve('examples/apps/echo-ws.mjs'))}, --host, "\${host}", --port, "\${port}"]`,
      '  ready_line: App running at',
      'attacker:',
      `  cmd: [${node}, ${JSON.stringify(resolve('test/support/fixtures/attacker-app.mjs'))}]`,
      '  ready: { http: /healthz }',
      '',
    ].join('\n'),
  );
  const tokens = join(dir, 'tokens.yml');
  writeFileSync(tokens, `tokens:\n  - { user: alice, token: ${ALICE} }\n  - { user: bob, token: ${BOB} }\n`);
  return { apps, tokens };
}

interface Launched {
  id: string;
  connectURL: string;
  sessionURL: string;
}

async function launch(server: ServerProcess, token: string, app: string): Promise<Launched> {
  const auth = { authorization: `Bearer ${token}` };
  const res = await fetch(`${server.base}/sessions`, { method: 'POST', headers: auth, body: JSON.stringify({ app }) });
  expect(res.status).toBe(202);
  const { id } = (await res.json()) as { id: string };
  return waitFor(
    async () => {
      const s = (await (await fetch(`${server.base}/sessions/${id}`, { headers: auth })).json()) as Launched & {
        status: string;
      };
      return s.status === 'READY' ? s : undefined;
    },
    20_000,
    `${app} READY`,
  );
}

/** The address of a session's app without its token: where another page would aim. */
const bare = (connectURL: string) => connectURL.replace(/\?token=[^#]*$/, '');

for (const mode of ['subdomain', 'path'] as const) {
  describe.skipIf(!hasChromium)(`one user's session page against another's, ${mode} mode`, () => {
    let server: ServerProcess;
    let browser: Browser;
    let hello: Launched;
    let echo: Launched;
    let attacker: Launched;

    beforeAll(async () => {
      const { apps, tokens } = fixtures();
      server = await startServer({
        SESSIONPLANE_APPS: apps,
        SESSIONPLANE_AUTH_TOKENS: tokens,
        SESSIONPLANE_WWW: 'none',
        SESSIONPLANE_SESSION_DOMAIN: mode === 'path' ? 'none' : 'localhost',
      });
      browser = await launchChromium();
      [hello, echo, attacker] = await Promise.all([
        launch(server, ALICE, 'hello'),
        launch(server, ALICE, 'echo'),
        launch(server, BOB, 'attacker'),
      ]);
    }, 90_000);
    afterAll(async () => {
      await browser?.close();
      await server?.stop();
    });

    it('serves each session from where the mode says', () => {
      if (mode === 'subdomain') expect(new URL(hello.connectURL).hostname).toBe(`${hello.id}.localhost`);
      else expect(new URL(hello.connectURL).pathname).toBe(`/s/${hello.id}/`);
    });

    it("lets alice use her own sessions, and refuses bob's page her sessions over HTTP, frames and WebSockets", async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      // Alice opens her own sessions: their tokens move into cookies.
      await page.goto(hello.connectURL);
      expect(await page.textContent('h1')).toContain(`from session ${hello.id}`);
      expect(new URL(page.url()).search).toBe('');
      // Her own page may call its own app.
      expect(await page.evaluate(async () => (await fetch('api/visits')).status)).toBe(200);
      await page.goto(echo.connectURL);
      // Her echo answers a socket with the token in its URL (trame's sessionURL), always.
      expect(
        await page.evaluate(
          (url) =>
            new Promise((done) => {
              const ws = new WebSocket(url);
              ws.onopen = () => ws.send('mine');
              ws.onmessage = (m) => done(m.data);
              ws.onclose = (e) => done(`closed ${e.code}`);
            }),
          echo.sessionURL,
        ),
      ).toBe('mine');

      // Then she opens a link bob sent her: his session's page, aimed at hers.
      const echoWs = bare(echo.connectURL).replace(/^http/, 'ws');
      const targets = encodeURIComponent(JSON.stringify({ http: bare(hello.connectURL), ws: echoWs }));
      await page.goto(`${attacker.connectURL}#${targets}`);
      const out = JSON.parse(
        await waitFor(() => page.textContent('#out').then((t) => t || undefined), 20_000, 'the attack page'),
      ) as Record<string, string>;
      await page.screenshot({ path: join(ARTIFACTS, `isolation-${mode}.png`) });
      expect(out.http).not.toContain(`from session ${hello.id}`);
      expect(out.iframe).not.toContain(`from session ${hello.id}`);
      expect(out.ws).not.toMatch(/^echo/);

      // Nothing of alice's reached bob's app: no referring path of hers, no credential.
      const seen = await page.evaluate(async () => (await fetch('seen')).text());
      expect(seen).toContain('"url"');
      expect(seen).not.toContain(hello.id);
      expect(seen).not.toContain(echo.id);
      expect(seen).not.toMatch(/sessionplane_token|Bearer/);
      await context.close();
    }, 60_000);
  });
}
