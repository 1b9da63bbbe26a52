import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { relative } from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';

/**
 * The local server's static pages: a folder served at / (the demo page) and wslink's browser
 * bundle at /wslink.js, as a trame app's page loads it. Anything not found falls through to the
 * API. Local only: on AWS, pages live wherever the frontend is hosted.
 */
export function staticPages(www: string): Hono {
  const app = new Hono();
  if (www === 'none') return app;
  const wslinkBundle = readFileSync(createRequire(import.meta.url).resolve('wslink/dist/wslink.js'), 'utf8');
  app.get('/wslink.js', (c) => c.body(wslinkBundle, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'max-age=3600' }));
  app.use('/*', serveStatic({ root: relative(process.cwd(), www) || '.' }));
  return app;
}
