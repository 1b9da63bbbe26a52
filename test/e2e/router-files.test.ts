import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generated } from '../support/generated-body';
import { HOME_UID_BASE, homeName } from '../../shared/domain/homes';
import { hasChromium, launchChromium } from '../support/chromium';
import { type RouterPortal, startRouterPortal } from '../support/router-portal';
import { waitFor } from '../support/wait';

const run = promisify(execFile);
const MiB = 1024 * 1024;

/** A raw GET, the path as written (fetch would resolve `..` first), with `headers`: its status and body. */
const rawGet = (url: string, headers: Record<string, string>) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject).end();
  });

/** A process's peak resident memory (VmHWM), in MiB. */
const peakMiB = (pid: number) =>
  Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

/**
 * #38 on AWS: files in and out of homes through the router service, whose task mounts the homes (the API functions
 * have none, and Lambda takes 6 MB at most). The router (functions/aws/router-service.ts) and the files service beside
 * it (functions/aws/files-service.ts) run as the task runs them, each a process of its own; a folder stands in for the
 * EFS mount. Callers come as they would: curl with the issuer's JWT or a personal token, and the portal's browser.
 */
describe('files on AWS: /homes/me/files through the router service and its files service', () => {
  let rp: RouterPortal;
  let base: string;
  let homesDir: string;

  beforeAll(async () => {
    rp = await startRouterPortal(
      'examples/apps/apps.yml',
      {},
      { files: { SESSIONPLANE_HOME_QUOTA: '150Mi', SESSIONPLANE_MAX_UPLOAD: '120Mi' } },
    );
    base = rp.base;
    homesDir = rp.files!.homesDir;
  }, 90_000);
  afterAll(async () => rp?.dispose());

  /** Signs `user` in at the portal: their cookie, and the ID token it carries (what a JWT caller holds). */
  const signIn = async (user: string) => {
    const cookie = await rp.signInAs(user);
    return { cookie, jwt: rp.idp.seen.idTokens.at(-1)! };
  };
  const curl = (...args: string[]) => run('curl', ['-sS', ...args], { maxBuffer: 4 * MiB });

  it('curl with the issuer’s JWT puts, lists, reads and deletes; what is written is the owner’s, in their home', async () => {
    const { jwt } = await signIn('fay');
    const auth = `authorization: Bearer ${jwt}`;
    const local = join(homesDir, '..', `${Date.now()}-input.csv`);
    writeFileSync(local, 'a,b\n1,2\n');
    const put = await curl('-w', '\n%{http_code}', '-T', local, '-H', auth, `${base}/homes/me/files/data/input.csv`);
    expect(put.stdout.split('\n').at(-1)).toBe('201');
    expect(JSON.parse(put.stdout.split('\n')[0]!)).toEqual({ path: 'data/input.csv', size: 8 });
    expect((await curl('-H', auth, `${base}/homes/me/files/data/input.csv`)).stdout).toBe('a,b\n1,2\n');
    const listed = JSON.parse((await curl('-H', auth, `${base}/homes/me/files/data`)).stdout);
    expect(listed.entries).toEqual([expect.objectContaining({ name: 'input.csv', type: 'file', size: 8 })]);
    expect(listed.usage).toEqual({ bytes: 8, quotaBytes: 150 * MiB });

    // Where a first launch's access point would put it (`/homes/<home name>`), 0700, the user's uid (not root's).
    const home = join(homesDir, homeName('fay'));
    const [h, d, f] = [home, join(home, 'data'), join(home, 'data', 'input.csv')].map((p) => statSync(p));
    expect(h!.mode & 0o777).toBe(0o700);
    if (process.getuid?.() === 0) {
      expect(h!.uid).toBeGreaterThanOrEqual(HOME_UID_BASE);
      for (const s of [d!, f!]) expect([s.uid, s.gid]).toEqual([h!.uid, h!.gid]);
    }
    // Another person sees nothing of it.
    const gus = await signIn('gus');
    const theirs = await fetch(`${base}/homes/me/files/data/input.csv`, {
      headers: { authorization: `Bearer ${gus.jwt}` },
    });
    expect(theirs.status).toBe(404);
    expect(await theirs.json()).toMatchObject({ code: 'file.not_found' });

    expect(
      (await curl('-w', '%{http_code}', '-X', 'DELETE', '-H', auth, `${base}/homes/me/files/data/input.csv`)).stdout,
    ).toBe('204');
    expect(readdirSync(join(home, 'data'))).toEqual([]);
  });

  it('streams 100 MiB up and back through both processes with their memory flat; past the quota: 507, nothing left', async () => {
    const { jwt } = await signIn('hal');
    const headers = { authorization: `Bearer ${jwt}` };
    const pids = { router: rp.router.pid!, files: rp.files!.child.pid! };
    const before = { router: peakMiB(pids.router), files: peakMiB(pids.files) };
    const put = await fetch(`${base}/homes/me/files/big.bin`, {
      method: 'PUT',
      headers,
      body: generated(100 * MiB),
      duplex: 'half',
    } as RequestInit);
    expect(put.status).toBe(201);
    expect(statSync(join(homesDir, homeName('hal'), 'big.bin')).size).toBe(100 * MiB);
    // Back down, counted as it comes.
    const got = await fetch(`${base}/homes/me/files/big.bin`, { headers });
    expect(got.headers.get('content-length')).toBe(String(100 * MiB));
    let bytes = 0;
    for await (const chunk of got.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.length;
    expect(bytes).toBe(100 * MiB);
    const after = { router: peakMiB(pids.router), files: peakMiB(pids.files) };
    console.log(
      `100 MiB up and down: peak RSS router ${before.router.toFixed(0)} → ${after.router.toFixed(0)} MiB, files ${before.files.toFixed(0)} → ${after.files.toFixed(0)} MiB`,
    );
    // Streamed, never held: neither process grows by anything near the file's size.
    expect(after.router - before.router).toBeLessThan(50);
    expect(after.files - before.files).toBeLessThan(50);

    // 100 MiB more would pass the 150 MiB quota: refused in the API's words, no partial file.
    const over = await fetch(`${base}/homes/me/files/more.bin`, {
      method: 'PUT',
      headers,
      body: generated(100 * MiB),
      duplex: 'half',
    } as RequestInit);
    expect(over.status).toBe(507);
    expect(await over.json()).toMatchObject({ code: 'home.full', quotaBytes: 150 * MiB });
    expect(readdirSync(join(homesDir, homeName('hal')))).toEqual(['big.bin']);
  });

  it('refuses without a credential, a way out of the home, and a signed-in browser’s write without its CSRF token', async () => {
    const none = await fetch(`${base}/homes/me/files/`);
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toContain('application/problem+json');
    const { jwt, cookie } = await signIn('ida');
    for (const path of ['/homes/me/files/../../etc/passwd', '/homes/me/files/%2e%2e/%2e%2e/etc/passwd']) {
      const answer = await rawGet(`${base}${path}`, { authorization: `Bearer ${jwt}` });
      expect(answer.status, path).toBeGreaterThanOrEqual(400);
      expect(answer.status, path).toBeLessThan(500);
      expect(answer.body).not.toContain('root:');
    }
    // The portal's cookie: a write needs the page's CSRF token (another site's form cannot put files).
    const forged = await fetch(`${base}/homes/me/files/forged.txt`, { method: 'PUT', headers: { cookie }, body: 'x' });
    expect(forged.status).toBe(403);
    expect(readdirSync(homesDir)).not.toContain(homeName('ida'));
  });

  it('a personal token made at the API works at the router until it is revoked', async () => {
    const { jwt } = await signIn('jon');
    const made = await fetch(`${rp.api.url}/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'files' }),
    });
    expect(made.status).toBe(201);
    const { token, id } = (await made.json()) as { token: string; id: string };
    const put = await fetch(`${base}/homes/me/files/notes.txt`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}` },
      body: 'by token',
    });
    expect(put.status).toBe(201);
    expect(readFileSync(join(homesDir, homeName('jon'), 'notes.txt'), 'utf8')).toBe('by token');
    await fetch(`${rp.api.url}/tokens/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${jwt}` } });
    expect(
      (await fetch(`${base}/homes/me/files/notes.txt`, { headers: { authorization: `Bearer ${token}` } })).status,
    ).toBe(401);
  });

  it.skipIf(!hasChromium)('the portal’s Files page on the router: upload, list and download in Chromium', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(`${m.text()} ${m.location().url}`));
      Object.assign(rp.idp.as, { subject: 'kim', groups: [], lifetime: '5m' });
      await page.goto(`${base}/`);
      await page.click('a:has-text("Sign in with your organisation")');
      await page.waitForSelector('h1:has-text("My sessions")');
      await Promise.all([page.waitForNavigation(), page.click('a[href="/portal/files"]')]);
      expect(await page.textContent('main')).toContain('Nothing here yet.');
      const local = join(mkdtempSync(join(tmpdir(), 'sp-upload-')), 'plot.csv');
      writeFileSync(local, 't,v\n0,1\n');
      await page.setInputFiles('#upload-files', local);
      await Promise.all([page.waitForNavigation(), page.click('form.upload button')]);
      await waitFor(async () => (await page.locator('table.files tbody tr').count()) === 1, 30_000, 'the file listed');
      const name = 'plot.csv';
      expect(readFileSync(join(homesDir, homeName('kim'), name), 'utf8')).toBe('t,v\n0,1\n');
      const [download] = await Promise.all([page.waitForEvent('download'), page.click(`a[download="${name}"]`)]);
      expect(readFileSync((await download.path())!, 'utf8')).toBe('t,v\n0,1\n');
      await page.screenshot({ path: 'test/.artifacts/router-files.png', fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('answers 502 files.unreachable in problem+json when the files service is gone', async () => {
    const { jwt } = await signIn('lea');
    rp.files!.child.kill('SIGKILL');
    await waitFor(() => rp.files!.child.exitCode !== null || rp.files!.child.signalCode !== null, 30_000, 'gone');
    const res = await fetch(`${base}/homes/me/files/`, { headers: { authorization: `Bearer ${jwt}` } });
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ code: 'files.unreachable' });
  });
});

describe('files on AWS: a session’s own host is the app’s, whatever its paths', () => {
  it('sends <id>.<session domain>/homes/me/files (and /sessions/…/events) to the session (here: none such), never to the shared origin’s services', async () => {
    const rp = await startRouterPortal(
      'examples/apps/apps.yml',
      { SESSIONPLANE_SESSION_DOMAIN: 'localhost' },
      { files: {} },
    );
    try {
      const ask = (host: string, path = '/homes/me/files/') => rawGet(`${rp.base}${path}`, { host });
      // The shared origin: the files service's answer to no credential.
      const shared = await ask(new URL(rp.base).host);
      expect(shared.status).toBe(401);
      // A session's host: the router's, about that session (unknown here), not the files service's.
      const port = new URL(rp.base).port;
      const own = await ask(`${'a'.repeat(32)}.localhost:${port}`);
      expect(own.status, own.body).toBe(404);
      expect(JSON.parse(own.body)).toMatchObject({ code: 'session.not_found' });
      // The same for the event stream's path, which the shared origin streams to API callers.
      const events = await ask(`${'a'.repeat(32)}.localhost:${port}`, `/sessions/${'b'.repeat(32)}/events`);
      expect(events.status, events.body).toBe(404);
      expect(JSON.parse(events.body)).toMatchObject({ code: 'session.not_found' });
    } finally {
      await rp.dispose();
    }
  }, 120_000);
});
