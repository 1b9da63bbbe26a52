import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Session } from '../../shared/domain/session';

/**
 * The thin bar (#38, ShinyProxy's navbar): for an app with `bar: true`, a page under the session's own path (so its
 * cookie reaches it, and its frame is the app's own origin) with a strip on top (the app, the time it has left,
 * Extend and Stop for its owner, the way back to the portal) and the app below in a frame. Extend and Stop are the
 * portal's (a page there that asks, then calls the API as the signed-in person): the router decides nothing.
 *
 *   GET <scope>.sessionplane/bar   (navigation) → the bar, with the app at <scope> in its frame
 */
export const BAR_PATH = '/.sessionplane/bar';

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const STYLE = `html,body{height:100%;margin:0}body{display:flex;flex-direction:column;font:14px/1.4 system-ui,sans-serif}
header{display:flex;flex-wrap:wrap;align-items:center;gap:.25rem 1rem;padding:.3rem .75rem;background:#1d2733;color:#fff}
header a{color:#fff}header .name{font-weight:600}header .left{margin-right:auto}
header a.button{background:#2f5fa8;border-radius:4px;padding:.15rem .6rem;text-decoration:none}
header a.stop{background:#a3202a}iframe{flex:1;border:0;width:100%}`;

/** Time left, as a person reads it: `3 h 12 min`, `12 min`, `under a minute` (the page's script is this too). */
function timeLeft(ms: number): string {
  if (ms < 60_000) return 'under a minute';
  const minutes = Math.floor(ms / 60_000);
  const h = Math.floor(minutes / 60);
  return h ? `${h} h ${minutes % 60} min` : `${minutes} min`;
}

export function sendBarPage(
  res: ServerResponse,
  session: Session,
  at: { scope: string; portal: string; owner: boolean; now: number },
): void {
  const nonce = randomBytes(16).toString('base64');
  const portal = (path: string) => escapeHtml(new URL(path, at.portal).href);
  const control = at.owner
    ? `<a class="button" id="extend" target="_top" href="${portal(`portal/sessions/${session.id}/extend`)}">Extend</a>
<a class="button stop" id="stop" target="_top" href="${portal(`portal/sessions/${session.id}/stop`)}">Stop</a>`
    : '<span>Shared with you</span>';
  const script = `const left=document.getElementById('left'),end=${session.expiresAt};
const say=${timeLeft.toString()};
setInterval(()=>{left.textContent=say(end-Date.now());},30000);`;
  res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'referrer-policy': 'same-origin',
    'x-content-type-options': 'nosniff',
    'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; frame-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  });
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(session.name)} · Sessionplane</title><style nonce="${nonce}">${STYLE}</style></head><body>
<header><span class="left"><span class="name">${escapeHtml(session.name)}</span>${session.name !== session.app ? ` (${escapeHtml(session.app)})` : ''}</span>
<span>ends in <time id="left" datetime="${new Date(session.expiresAt).toISOString()}">${timeLeft(session.expiresAt - at.now)}</time></span>
${control}<a id="portal" target="_top" href="${portal('.')}">My sessions</a></header>
<iframe id="app" src="${escapeHtml(at.scope)}" title="${escapeHtml(session.name)}"></iframe>
<script nonce="${nonce}">${script}</script></body></html>`);
}
