import { type Dirent, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, sep } from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import type { AppSpec } from '../../shared/domain/app';
import { ConfigError } from '../../shared/domain/errors';

/**
 * The static pages: a folder served at / (the demo page, or an app's web client, with `/<app>.html` for each app with
 * `client: www`) and wslink's browser bundle at /wslink.js, as a trame app's page loads it. Anything not found falls
 * through (to the API on one machine, to the portal on the router service).
 *
 * The folder's file list is read once, at start: a request for anything else (every API call)
 * passes on without touching the disk. Edits to a listed file show at once; a new file needs a
 * restart.
 */
export function staticPages(www: string, apps: readonly AppSpec[] = []): Hono {
  const app = new Hono();
  const clients = apps.filter((a) => a.webClient);
  if (www === 'none') {
    if (clients.length) throw noClient(clients, 'SESSIONPLANE_WWW is none');
    return app;
  }
  const wslinkBundle = readFileSync(createRequire(import.meta.url).resolve('wslink/dist/wslink.js'), 'utf8');
  app.get('/wslink.js', (c) =>
    c.body(wslinkBundle, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'max-age=3600' }),
  );
  let entries: Dirent[];
  try {
    entries = readdirSync(www, { recursive: true, withFileTypes: true });
  } catch (error) {
    throw new ConfigError('Cannot serve the pages folder', [
      `SESSIONPLANE_WWW ${www}: ${(error as Error).message}`,
      'set SESSIONPLANE_WWW=none to serve no pages',
    ]);
  }
  const files = new Set(
    entries.filter((e) => e.isFile()).map((e) => `/${relative(www, join(e.parentPath, e.name)).split(sep).join('/')}`),
  );
  if (files.has('/index.html')) files.add('/');
  if (clients.length) {
    if (!files.has('/index.html')) throw noClient(clients, `${www} has no index.html`);
    // trame's `<app>.html`: the client's index.html naming the app it launches (trame.tools.app).
    const index = readFileSync(join(www, 'index.html'), 'utf8');
    for (const spec of clients) {
      const page = namingApp(index, spec.name);
      app.get(`/${spec.name}.html`, (c) => c.html(page, 200, { 'cache-control': 'no-cache' }));
    }
  }
  const serve = serveStatic({ root: relative(process.cwd(), www) || '.' });
  app.use('/*', (c, next) => (files.has(c.req.path) ? serve(c, next) : next()));
  return app;
}

/** The client's page with `data-app-name` on its root element, as trame.tools.app writes `<app>.html`. */
function namingApp(index: string, name: string): string {
  const attr = `data-app-name="${name}"`;
  const html = /<html\b[^>]*>/i.exec(index);
  if (!html) return `<html ${attr}>${index}</html>`;
  const tag = html[0]
    .replace(/\sdata-app-name\s*=\s*("[^"]*"|'[^']*'|[^\s>]*)/i, '')
    .replace(/^<html/i, `<html ${attr}`);
  return index.slice(0, html.index) + tag + index.slice(html.index + html[0].length);
}

function noClient(apps: readonly AppSpec[], why: string): ConfigError {
  return new ConfigError('No web client to serve', [
    `${apps.map((a) => a.name).join(', ')}: opened through the web client (client: www), but ${why}`,
    'set SESSIONPLANE_WWW to the built client (a folder with index.html), e.g. what `python -m trame.tools.www --output www` writes',
  ]);
}

/** The portal first, then the static pages; what neither serves falls through to the API. */
export function pagesOf(...parts: Hono[]): Hono {
  const app = new Hono();
  for (const part of parts) app.route('/', part);
  return app;
}
