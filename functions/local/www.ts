import { type Dirent, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, sep } from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import { ConfigError } from '../../shared/domain/errors';

/**
 * The local server's static pages: a folder served at / (the demo page) and wslink's browser
 * bundle at /wslink.js, as a trame app's page loads it. Anything not found falls through to the
 * API. Local only: on AWS, pages live wherever the frontend is hosted.
 *
 * The folder's file list is read once, at start: a request for anything else (every API call)
 * passes on without touching the disk. Edits to a listed file show at once; a new file needs a
 * restart.
 */
export function staticPages(www: string): Hono {
  const app = new Hono();
  if (www === 'none') return app;
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
  const serve = serveStatic({ root: relative(process.cwd(), www) || '.' });
  app.use('/*', (c, next) => (files.has(c.req.path) ? serve(c, next) : next()));
  return app;
}

/** The portal first, then the static pages; what neither serves falls through to the API. */
export function pagesOf(...parts: Hono[]): Hono {
  const app = new Hono();
  for (const part of parts) app.route('/', part);
  return app;
}
