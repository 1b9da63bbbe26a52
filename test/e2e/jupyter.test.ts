import { spawnSync } from 'node:child_process';
import { type IncomingMessage, request } from 'node:http';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { LocalServer } from '../../functions/local/http-server';
import { loadAppsFile } from '../../shared/config/apps-file';
import { settledStart, startTestPlane, type TestPlane } from '../support/plane';

/*
 * #35: Jupyter Notebook as examples/apps/jupyter.yml runs it, through the router as a browser uses
 * it: the token moved into a cookie, the tree page, the REST API with Jupyter's own XSRF check, and a
 * kernel's WebSocket running code. Needs Debian's jupyter-notebook (.ci/run installs it).
 */
const hasJupyter = spawnSync('jupyter', ['notebook', '--version'], { stdio: 'ignore' }).status === 0;
if (!hasJupyter && process.env.CI) throw new Error('CI must run the Jupyter test, but `jupyter notebook` is missing.');

/** A browser's cookie jar, enough for one origin. */
class Jar {
  private readonly cookies = new Map<string, string>();
  take(lines: string[]): void {
    for (const line of lines) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
  }
  get(name: string): string | undefined {
    return this.cookies.get(name);
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

(hasJupyter ? describe : describe.skip)('Jupyter Notebook through the router (examples/apps/jupyter.yml)', () => {
  let plane: TestPlane;
  let server: LocalServer;
  beforeAll(async () => {
    plane = await startTestPlane(Object.fromEntries(loadAppsFile('examples/apps/jupyter.yml')));
    server = await plane.listen();
  });
  afterAll(async () => plane?.dispose());

  it('serves its pages, its API and a kernel that runs code, to the owner, under the session path', async () => {
    const launched = await plane.request('/sessions', { method: 'POST', body: '{"app":"notebook"}', user: 'jo' });
    const { id, connectURL } = (await launched.json()) as { id: string; connectURL: string };
    expect((await settledStart(plane, id, 90_000)).status).toBe('READY');
    const jar = new Jar();
    // As a browser navigates (node:http: fetch always says Sec-Fetch-Mode: cors).
    const browse = async (
      url: string,
      init: { method?: string; body?: string; headers?: Record<string, string> } = {},
    ) => {
      const target = new URL(url, server.url);
      const res = await new Promise<IncomingMessage>((resolve, reject) =>
        request(
          target,
          {
            method: init.method ?? 'GET',
            headers: { accept: 'text/html', 'sec-fetch-mode': 'navigate', cookie: jar.header(), ...init.headers },
          },
          resolve,
        )
          .once('error', reject)
          .end(init.body),
      );
      const body = await new Promise<string>((resolve) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString())).on('end', () => resolve(text));
      });
      jar.take(res.headers['set-cookie'] ?? []);
      return { status: res.statusCode ?? 0, location: res.headers.location, body };
    };
    // The token in the address becomes the session's cookie; then Jupyter's own redirects, to its tree.
    let res = await browse(connectURL.replace(/^http:\/\/[^/]+/, ''));
    const trail: string[] = [`${res.status} ${connectURL}`];
    for (let hops = 0; res.status === 302 && hops < 5; hops++) {
      const to = res.location!;
      res = await browse(to);
      trail.push(`${res.status} ${to} cookies=${jar.header()}`);
    }
    expect(res.status, trail.join('\n')).toBe(200);
    expect(res.body).toContain('<title>Home Page - Select or create a notebook</title>');
    const base = `/s/${id}/`;
    expect((await browse(`${base}api/status`)).status).toBe(200);
    const started = await browse(`${base}api/kernels`, {
      method: 'POST',
      body: '{}',
      headers: { 'x-xsrftoken': jar.get('_xsrf') ?? '', 'content-type': 'application/json' },
    });
    expect(started.status).toBe(201);
    const kernel = JSON.parse(started.body) as { id: string };
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}${base}api/kernels/${kernel.id}/channels`, {
      headers: { cookie: jar.header() },
    });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const msgId = randomUUID();
    const printed = new Promise<string>((resolve) =>
      ws.on('message', (data) => {
        const msg = JSON.parse(String(data)) as {
          msg_type: string;
          parent_header: { msg_id?: string };
          content: { text?: string };
        };
        if (msg.msg_type === 'stream' && msg.parent_header.msg_id === msgId) resolve(msg.content.text ?? '');
      }),
    );
    ws.send(
      JSON.stringify({
        header: { msg_id: msgId, username: 'jo', session: randomUUID(), msg_type: 'execute_request', version: '5.3' },
        parent_header: {},
        metadata: {},
        content: {
          code: 'print(6 * 7)',
          silent: false,
          store_history: false,
          user_expressions: {},
          allow_stdin: false,
        },
        channel: 'shell',
        buffers: [],
      }),
    );
    expect(await printed).toBe('42\n');
    ws.close();
    // Nobody else reaches it.
    expect((await fetch(`${server.url}${base}api/status`)).status).toBe(403);
  });
});
