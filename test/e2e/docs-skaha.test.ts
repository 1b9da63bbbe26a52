import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalServer } from '../../functions/local/http-server';
import { loadAppsFile } from '../../shared/config/apps-file';
import { startTestPlane, type TestPlane } from '../support/plane';

/** The skaha how-to's walk-through (docs/how-to/skaha.md), as written, against the shipped apps on a free port (not 8080). */
function readmeBlock(): string {
  const page = readFileSync('docs/how-to/skaha.md', 'utf8');
  return /```sh\n([\s\S]*?)```/.exec(page)![1]!;
}

describe("the skaha how-to's walk-through", () => {
  let plane: TestPlane;
  let server: LocalServer;
  beforeAll(async () => {
    plane = await startTestPlane(Object.fromEntries(loadAppsFile('examples/apps/apps.yml')), {}, { realAuth: true });
    server = await plane.listen();
  });
  afterAll(async () => plane?.dispose());

  it('runs verbatim (but for the port) and does what its comments say', async () => {
    const script = readmeBlock().replaceAll('http://127.0.0.1:8080', server.url);
    expect(script).toContain('image=localhost/sessionplane/hello:1');
    const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', `${script}\necho "ID=$id"`], {
      env: { PATH: process.env.PATH, SESSIONPLANE_TOKEN: plane.adminToken },
    });
    const id = /ID=([0-9a-f]{32})/.exec(stdout)?.[1];
    expect(id, stdout).toBeDefined();
    expect(stdout).toContain('{"id":"localhost/sessionplane/hello:1","types":["contributed"],"digest":""}');
    expect(stdout).toContain('"memoryGB":{');
    expect(stdout).toContain(`"id":"${id}"`);
    expect(stdout).toContain('"requestedRAM":"1.07"');
    expect(stdout).toContain('"image":"localhost/sessionplane/hello:1"');
    expect(stdout).toMatch(/"userid":"admin","type":"contributed","status":"(Pending|Running)"/);
    expect(stdout).toMatch(/TYPE +REASON +MESSAGE +FIRST-TIME +LAST-TIME\n/);
    expect(stdout).toContain('<vosi:capabilities');
    const session = await plane.deps.store.get(id!);
    expect(session).toMatchObject({ app: 'hello', params: { GREETING: 'Hi' }, resources: { cpu: 1, memory: 1024 } });
    expect(['STOPPING', 'STOPPED']).toContain(session!.status);
    const gone = await fetch(`${server.url}/skaha/v1/session/${id}`, {
      headers: { authorization: `Bearer ${plane.adminToken}` },
    });
    expect([gone.status, await gone.text()]).toEqual([404, `session ${id} not found.`]);
  });
});
