import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';

/** Beside this module, or (in the server bundle `npm start` builds) in the checkout it runs from. */
const ASSETS =
  [join(dirname(fileURLToPath(import.meta.url)), 'assets'), resolve('functions/portal/assets')].find((dir) =>
    existsSync(dir),
  ) ?? 'functions/portal/assets';

/** The portal's script, style sheet and icon. */
export function assetRoutes(): Hono {
  const app = new Hono();
  const css = readFileSync(join(ASSETS, 'portal.css'), 'utf8');
  const js = readFileSync(join(ASSETS, 'portal.js'), 'utf8');
  app.get('/portal.css', (c) =>
    c.body(css, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'no-cache' }),
  );
  app.get('/portal.js', (c) =>
    c.body(js, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' }),
  );
  // The site's icon, also where browsers look for one unasked (an app's pages on this origin too).
  const icon = readFileSync(join(ASSETS, 'favicon.svg'));
  for (const path of ['/favicon.svg', '/favicon.ico'])
    app.get(path, (c) =>
      c.body(icon, 200, {
        'content-type': 'image/svg+xml',
        'cache-control': 'max-age=86400',
        'x-content-type-options': 'nosniff',
      }),
    );

  return app;
}
