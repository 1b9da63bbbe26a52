import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalServer } from '../../functions/local/http-server';
import { fixtureApp } from '../support/apps';
import { settledStart, startTestPlane, type TestPlane } from '../support/plane';

/**
 * #35: an app opened through the server's web client (the trame image's model: `/<app>.html`, which launches through
 * the launcher). Its sessions name that page (clientURL, no token, no secret), and the page, opened for a session it
 * already has, gets that session's secret from the launcher.
 */
describe('apps with a web client', () => {
  let plane: TestPlane;
  let server: LocalServer;
  const www = mkdtempSync(join(tmpdir(), 'sp-www-'));
  writeFileSync(
    join(www, 'index.html'),
    '<!DOCTYPE html>\n<html lang="en" data-app-name="trame"><body>client</body></html>',
  );
  mkdirSync(join(www, 'js'));
  writeFileSync(join(www, 'js', 'app.js'), 'console.log(1)');
  const as = (user: string) => ({ 'x-test-user': user });
  const launcher = (user: string, body: unknown) =>
    fetch(`${server.url}/paraview/`, { method: 'POST', body: JSON.stringify(body), headers: as(user) });
  const launch = async (app: string) => {
    const res = await fetch(`${server.url}/sessions`, {
      method: 'POST',
      body: JSON.stringify({ app }),
      headers: { ...as('ann'), 'content-type': 'application/json' },
    });
    expect(res.status).toBe(202);
    return (await res.json()) as { id: string; clientURL?: string; connectURL: string };
  };

  beforeAll(async () => {
    plane = await startTestPlane(
      { viz: fixtureApp([], { webClient: true }), plain: fixtureApp() },
      { SESSIONPLANE_WWW: www },
    );
    server = await plane.listen();
  });
  afterAll(async () => plane?.dispose());

  it("serves each web-client app's page at /<app>.html, the client's index.html naming the app, and its files", async () => {
    const page = await fetch(`${server.url}/viz.html`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<html data-app-name="viz" lang="en">');
    expect(html).not.toContain('data-app-name="trame"');
    // The client's own index.html stays as it is (with the portal on, `/` is the portal's).
    expect(await (await fetch(`${server.url}/index.html`)).text()).toContain('data-app-name="trame"');
    expect(await (await fetch(`${server.url}/js/app.js`)).text()).toBe('console.log(1)');
    // An app that serves its own pages has none.
    expect((await fetch(`${server.url}/plain.html`, { headers: as('ann') })).status).toBe(404);
  });

  it('names the page in the session (clientURL: no token, no secret), and only for a web-client app', async () => {
    const viz = await launch('viz');
    expect(viz.clientURL).toBe(`${server.url}/viz.html?sessionId=${viz.id}`);
    expect(viz.connectURL).toContain('token=');
    expect((await launch('plain')).clientURL).toBeUndefined();
  });

  it('gives the page opened for a session that session (its secret and its sessionURL), to those who may use it', async () => {
    const viz = await launch('viz');
    await settledStart(plane, viz.id, 30_000);
    const mine = await launcher('ann', { application: 'viz', sessionId: viz.id, useUrl: true });
    expect(mine.status).toBe(200);
    const reply = (await mine.json()) as { id: string; secret: string; sessionURL: string };
    expect(reply.id).toBe(viz.id);
    expect(reply.secret).toMatch(/^[0-9a-f]{40}$/);
    expect(reply.sessionURL).toContain(`sessionId=${viz.id}`);
    // The same session, not a new one.
    expect((await plane.deps.store.listByOwner('ann')).items).toHaveLength(3);

    const stranger = await launcher('bea', { application: 'viz', sessionId: viz.id });
    expect(stranger.status).toBe(404);
    expect(await stranger.json()).toEqual({ error: expect.stringContaining(viz.id) });
    const otherApp = await launcher('ann', { application: 'plain', sessionId: viz.id });
    expect(otherApp.status).toBe(400);
    expect(await otherApp.json()).toEqual({ error: `Session ${viz.id} is not a session of plain` });
    expect((await launcher('ann', { application: 'viz', sessionId: 42 })).status).toBe(400);

    await fetch(`${server.url}/sessions/${viz.id}`, { method: 'DELETE', headers: as('ann') });
    const ended = await launcher('ann', { application: 'viz', sessionId: viz.id });
    expect(ended.status).toBe(503);
    expect(await ended.json()).toEqual({ error: `Session ${viz.id} has ended: open a new one.` });
    expect((await plane.deps.store.listByOwner('ann')).items).toHaveLength(3);
  });

  it('refuses to start when a web-client app has no client to serve', async () => {
    await expect(
      startTestPlane({ viz: fixtureApp([], { webClient: true }) }, { SESSIONPLANE_WWW: 'none' }),
    ).rejects.toThrow(/No web client to serve/);
    const empty = mkdtempSync(join(tmpdir(), 'sp-www-'));
    await expect(
      startTestPlane({ viz: fixtureApp([], { webClient: true }) }, { SESSIONPLANE_WWW: empty }),
    ).rejects.toThrow(/No web client to serve/);
  });
});
