import { execFile } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  statSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { promisify } from 'node:util';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generated } from '../support/generated-body';
import type { LocalServer } from '../../functions/local/http-server';
import { homeName } from '../../shared/domain/homes';
import { fixtureApp } from '../support/apps';
import { settledStart, startTestPlane, type TestPlane } from '../support/plane';

const run = promisify(execFile);

/** A raw request, path as written (fetch would resolve `..` before sending). */
function raw(
  url: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method, headers: { 'x-test-user': 'alice', ...headers } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    // A declared length is promised, not sent: the answer must come before any byte.
    if (headers['content-length']) req.flushHeaders();
    else req.end();
  });
}

describe("files in and out of a person's home, through the API (#38)", () => {
  let plane: TestPlane;
  let server: LocalServer;
  const files = (path: string, init: RequestInit & { user?: string } = {}) => {
    const { user = 'alice', ...rest } = init;
    return fetch(`${server.url}/homes/me/files${path}`, {
      ...rest,
      headers: { 'x-test-user': user, ...rest.headers },
      ...(rest.body ? { duplex: 'half' } : {}),
    } as RequestInit);
  };
  const homeOf = (user: string) => join(plane.dataDir, 'homes', homeName(user));

  beforeAll(async () => {
    plane = await startTestPlane(
      { notes: fixtureApp(['--mode', 'serve'], { home: '/home/user' }) },
      { SESSIONPLANE_HOME_QUOTA: '150Mi', SESSIONPLANE_MAX_UPLOAD: '120Mi' },
    );
    server = await plane.listen();
  });
  afterAll(async () => plane?.dispose());

  it('puts, lists, reads, replaces and deletes a file with no session running; each user sees only their own', async () => {
    const put = await files('/data/run 1/input.csv', { method: 'PUT', body: 'a,b\n1,2\n' });
    expect(put.status).toBe(201);
    expect(await put.json()).toEqual({ path: 'data/run 1/input.csv', size: 8 });
    expect(put.headers.get('location')).toBe('/homes/me/files/data/run%201/input.csv');
    const listed = (await (await files('/data/run%201')).json()) as {
      entries: unknown[];
      usage: { bytes: number; quotaBytes: number };
    };
    expect(listed.entries).toEqual([{ name: 'input.csv', type: 'file', size: 8, modifiedAt: expect.any(String) }]);
    expect(listed.usage).toEqual({ bytes: 8, quotaBytes: 150 * 1024 * 1024 });
    const root = (await (await files('')).json()) as { entries: { name: string; type: string }[] };
    expect(root.entries).toEqual([expect.objectContaining({ name: 'data', type: 'folder' })]);
    const got = await files('/data/run%201/input.csv');
    expect(got.headers.get('content-disposition')).toBe("attachment; filename*=UTF-8''input.csv");
    expect(await got.text()).toBe('a,b\n1,2\n');
    // Replaced whole: 200, no temporary file left beside it.
    expect((await files('/data/run%201/input.csv', { method: 'PUT', body: 'new' })).status).toBe(200);
    expect(await (await files('/data/run%201/input.csv')).text()).toBe('new');
    expect(readdirSync(join(homeOf('alice'), 'data', 'run 1'))).toEqual(['input.csv']);
    // Bob has a home of his own, empty: alice's file is not there for him.
    expect((await files('/data/run%201/input.csv', { user: 'bob' })).status).toBe(404);
    expect(((await (await files('', { user: 'bob' })).json()) as { entries: unknown[] }).entries).toEqual([]);
    // A folder with a file in it is not removed; the file, then the folder, are.
    expect((await files('/data/run%201', { method: 'DELETE' })).status).toBe(409);
    expect((await files('/data/run%201/input.csv', { method: 'DELETE' })).status).toBe(204);
    expect((await files('/data/run%201', { method: 'DELETE' })).status).toBe(204);
    const gone = await files('/data/run%201/input.csv');
    expect(gone.status).toBe(404);
    expect(await gone.json()).toMatchObject({ code: 'file.not_found' });
  });

  it('refuses a way out of the home: dot segments, encoded ones, and links a session made', async () => {
    for (const path of [
      '/homes/me/files/%E0%A4%A',
      '/homes/me/files/../../etc/passwd',
      '/homes/me/files/%2e%2e/%2e%2e/etc/passwd',
      '/homes/me/files/a%2F..%2F..%2Fx',
    ]) {
      const res = await raw(server.url, 'GET', path);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
      expect(res.body).not.toContain('root:');
    }
    const put = await raw(server.url, 'PUT', '/homes/me/files/%2e%2e/escaped.txt');
    expect(put.status).toBeGreaterThanOrEqual(400);
    expect(put.status).toBeLessThan(500);
    expect(existsSync(join(plane.dataDir, 'homes', 'escaped.txt'))).toBe(false);
    // A session (or anyone with a shell in it) links out of the home: the API follows no link.
    const home = homeOf('alice');
    mkdirSync(home, { recursive: true });
    const outside = join(plane.dataDir, 'outside');
    mkdirSync(outside, { recursive: true });
    writeFileSync(join(outside, 'secret.txt'), 'not yours');
    symlinkSync(outside, join(home, 'out'));
    symlinkSync(join(outside, 'secret.txt'), join(home, 'secret-link'));
    expect((await files('/out/secret.txt')).status).toBe(404);
    expect((await files('/secret-link')).status).toBe(404);
    expect((await files('/out/planted.txt', { method: 'PUT', body: 'x' })).status).toBe(409);
    expect(readdirSync(outside)).toEqual(['secret.txt']);
    expect((await files('/secret-link', { method: 'PUT', body: 'x' })).status).toBe(409);
    expect(
      await (await fetch(`file://${join(outside, 'secret.txt')}`).catch(() => undefined))?.text?.(),
    ).toBeUndefined();
  });

  it('streams a 100 MiB upload to disk and back (the server holds no copy), and refuses past the quota, leaving nothing', async () => {
    const size = 100 * 1024 * 1024;
    const before = process.memoryUsage();
    const bigFile = join(plane.dataDir, 'big-upload.bin');
    const fd = openSync(bigFile, 'w');
    const mib = Buffer.alloc(1024 * 1024, 'x');
    for (let i = 0; i < 100; i++) writeSync(fd, mib);
    closeSync(fd);
    let peak = 0;
    const sample = setInterval(() => {
      const m = process.memoryUsage();
      peak = Math.max(peak, m.heapUsed + m.arrayBuffers - (before.heapUsed + before.arrayBuffers));
    }, 20);
    // curl moves the bytes (another process), so what this process holds is the server's alone.
    const up = await run('curl', [
      '-sS',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      '-H',
      'x-test-user: alice',
      '-T',
      bigFile,
      `${server.url}/homes/me/files/big.bin`,
    ]);
    expect(up.stdout).toBe('201');
    const down = await run('curl', [
      '-sS',
      '-o',
      join(plane.dataDir, 'back.bin'),
      '-w',
      '%{http_code} %{size_download}',
      '-H',
      'x-test-user: alice',
      `${server.url}/homes/me/files/big.bin`,
    ]);
    expect(down.stdout).toBe(`200 ${size}`);
    const read = statSync(join(plane.dataDir, 'back.bin')).size;
    clearInterval(sample);
    expect(read).toBe(size);
    // 100 MiB went through each way; what the process held at once stayed far below one copy.
    console.log(`100 MiB up and down: peak heap+buffers growth ${(peak / 1048576).toFixed(1)} MiB`);
    expect(peak).toBeLessThan(64 * 1024 * 1024);

    // 100 MiB in the home, a quota of 150: another 60 MiB is refused as it streams, nothing left behind.
    const over = await files('/more.bin', { method: 'PUT', body: generated(60 * 1024 * 1024) });
    expect(over.status).toBe(507);
    expect(await over.json()).toMatchObject({ code: 'home.full', quotaBytes: 150 * 1024 * 1024 });
    // Over the upload limit by its declared length: refused before a byte is written.
    const tooBig = await raw(server.url, 'PUT', '/homes/me/files/huge.bin', {
      'content-length': String(121 * 1024 * 1024),
    });
    expect(tooBig.status).toBe(413);
    expect(JSON.parse(tooBig.body)).toMatchObject({ code: 'request.too_large' });
    // Neither the refused file nor its temporary name is left.
    expect(readdirSync(homeOf('alice')).filter((n) => n.includes('more') || n.includes('huge'))).toEqual([]);
    expect((await files('/big.bin', { method: 'DELETE' })).status).toBe(204);
  });

  it("is the same home a session sees: a file put through the API is read by the app, and the app's file comes back", async () => {
    expect((await files('/from-api.txt', { method: 'PUT', body: 'hello app', user: 'carol' })).status).toBe(201);
    const res = await plane.request('/sessions', { method: 'POST', body: '{"app":"notes"}', user: 'carol' });
    const { id } = (await res.json()) as { id: string };
    const ready = await settledStart(plane, id, 15_000);
    const base = `http://${ready.runtime!.endpoint}`;
    expect(await (await fetch(`${base}/fs?op=read&path=from-api.txt`)).text()).toBe('hello app');
    expect(await (await fetch(`${base}/fs?op=write&path=from-app.txt&text=hello%20api`)).text()).toBe('written');
    expect(await (await files('/from-app.txt', { user: 'carol' })).text()).toBe('hello api');
    await plane.request(`/sessions/${id}`, { method: 'DELETE', user: 'carol' });
  });
});
