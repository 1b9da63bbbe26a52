import type { ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnRouter } from '../support/router-process';

/**
 * The router image runs functions/aws/router-service.ts from what its Dockerfile copies, and no more (no
 * tsconfig.json, no test folder). Without a registry for the base image here, this test builds
 * the same file set in a folder and runs the router from it: the portal's pages must render there
 * (hono JSX, its assets), not only in the checkout.
 */
describe('the router from the files its image holds', () => {
  let dir: string;
  let router: ChildProcess;
  let base: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sp-router-image-'));
    const dockerfile = readFileSync('infra/docker/router.Dockerfile', 'utf8');
    // Its build arguments as the stack passes them: the defaults, and a web client (-c www=…).
    const args: Record<string, string> = {
      ...Object.fromEntries([...dockerfile.matchAll(/^ARG\s+(\w+)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!])),
      WWW_DIR: 'examples/trame/www',
    };
    const copies = [...dockerfile.matchAll(/^COPY\s+(.+)$/gm)].map((m) => m[1]!.split(/\s+/));
    expect(copies.length).toBeGreaterThan(2);
    for (const parts of copies) {
      const dest = parts.at(-1)!;
      for (const src of parts.slice(0, -1)) {
        const from = src.replace(/\$\{(\w+)\}/g, (_, name: string) => args[name] ?? '');
        cpSync(resolve(from), join(dir, dest === './' ? from : dest), { recursive: true });
      }
    }
    symlinkSync(resolve('node_modules'), join(dir, 'node_modules'));
    ({ child: router, base } = await spawnRouter(
      'http://127.0.0.1:9',
      {
        SESSIONPLANE_APPS: 'apps.yml',
        SESSIONPLANE_JWT_ISSUER: 'http://127.0.0.1:9/issuer',
        SESSIONPLANE_API_URL: 'http://127.0.0.1:9/api',
        SESSIONPLANE_PORTAL_KEY: 'k'.repeat(40),
        SESSIONPLANE_OIDC_CLIENT_ID: 'portal',
        SESSIONPLANE_WWW: 'www',
      },
      undefined,
      dir,
    ));
  }, 60_000);
  afterAll(() => {
    router?.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('renders the portal’s sign-in page and serves its assets', async () => {
    const page = await fetch(`${base}/sign-in`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Sign in with your organisation');
    for (const asset of ['/portal.js', '/portal.css', '/favicon.ico'])
      expect((await fetch(`${base}${asset}`)).status).toBe(200);
  });

  it('serves the web client the image was built with (WWW_DIR), beside the portal', async () => {
    expect(await (await fetch(`${base}/index.html`)).text()).toContain('A trame-style web client');
    expect((await fetch(`${base}/wslink.js`)).status).toBe(200);
  });
});
