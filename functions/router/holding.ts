import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { eventView } from '../../shared/domain/event-view';
import type { Session } from '../../shared/domain/session';
import type { UrlSettings } from '../../shared/domain/urls';
import type { SessionEventLog } from '../../shared/ports/session-events';
import type { SessionLogs } from '../../shared/ports/session-logs';
import { streamEvents } from '../../shared/services/event-stream';

/**
 * What a browser sees of a session that is not ready: a holding page with the launch's live
 * progress (the session's own event stream, under its own path so its cookie reaches it), which
 * moves on to the app once READY; a failed start's reason and the last lines of its output.
 *
 *   GET <scope>                       (navigation, starting)  → holding page
 *   GET <scope>.sessionplane/events   (the page's EventSource) → the session's events, as SSE
 *   GET <scope>                       (navigation, FAILED)    → failure page, 503
 */
export const EVENTS_PATH = '/.sessionplane/events';

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Headers of our own pages: nothing loads but what the page itself names, and no framing by others. */
function pageHeaders(nonce: string, status: number) {
  return [
    status,
    {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'referrer-policy': 'same-origin',
      'x-content-type-options': 'nosniff',
      'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'`,
    },
  ] as const;
}

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#1d2733}
h1{font-size:1.4rem}progress{width:100%;height:1.2rem}ol{color:#4a5866;padding-left:1.2rem}
.now{font-weight:600}.failed{color:#a3202a}pre{background:#f3f5f7;padding:.75rem;overflow:auto;font-size:.8rem;max-height:20rem;white-space:pre-wrap;overflow-wrap:anywhere}`;

/** The holding page of a starting session: progress from its event stream, then on to the app. */
export function sendHoldingPage(res: ServerResponse, session: Session, scope: string): void {
  const nonce = randomBytes(16).toString('base64');
  const eventsUrl = `${scope.replace(/\/$/, '')}${EVENTS_PATH}`;
  const script = `const bar=document.getElementById('bar'),now=document.getElementById('now'),steps=document.getElementById('steps');
const es=new EventSource(${JSON.stringify(eventsUrl)});
es.onmessage=(m)=>{const e=JSON.parse(m.data);bar.value=e.progress;now.textContent=e.message;
const li=document.createElement('li');li.textContent=e.message;steps.appendChild(li);
if(e.ready===true||e.ready===false){es.close();now.textContent=e.ready?'Ready: opening the app…':e.message;setTimeout(()=>location.reload(),e.ready?0:300);}};`;
  res.writeHead(...pageHeaders(nonce, 200));
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Starting ${escapeHtml(session.name)}…</title><style nonce="${nonce}">${STYLE}</style>
<noscript><meta http-equiv="refresh" content="5"></noscript></head><body>
<h1>Starting ${escapeHtml(session.name)} <small>(${escapeHtml(session.app)})</small></h1>
<progress id="bar" max="100" value="0"></progress><p id="now" class="now" role="status" aria-live="polite">Waiting for the session…</p>
<ol id="steps"></ol><script nonce="${nonce}">${script}</script></body></html>`);
}

/** A session that did not start: its reason, and the last lines of its output where the router can read them. */
export async function sendFailurePage(
  res: ServerResponse,
  session: Session,
  logs: SessionLogs | undefined,
  portalUrl: string,
): Promise<void> {
  const nonce = randomBytes(16).toString('base64');
  const tail = logs ? await logs.tail(session, { maxBytes: 8 * 1024 }).catch(() => undefined) : undefined;
  const lines = tail?.lines.slice(-30) ?? [];
  res.writeHead(...pageHeaders(nonce, 503));
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(session.name)} did not start</title><style nonce="${nonce}">${STYLE}</style></head><body>
<h1 class="failed">${escapeHtml(session.name)} did not start</h1>
<p id="reason">${escapeHtml(session.statusReason ?? 'failed')}</p>
${lines.length ? `<p>The last lines it wrote:</p><pre id="log">${escapeHtml(lines.join('\n'))}</pre>` : '<p>It wrote nothing.</p>'}
<p><a id="again" href="${escapeHtml(relaunchUrl(portalUrl, session))}">Launch it again</a> with the same settings, or go
<a id="back" href="${escapeHtml(portalUrl)}">back to my sessions</a>.</p></body></html>`);
}

/**
 * The portal's address of the app with the session's settings (#38: a link that carries them): the portal shows what
 * will start, and starts it when the person confirms.
 */
function relaunchUrl(portalUrl: string, session: Session): string {
  const query = new URLSearchParams({ ...session.params, ...(session.profile ? { profile: session.profile } : {}) });
  const url = new URL(`apps/${encodeURIComponent(session.app)}/`, portalUrl);
  url.search = query.toString();
  return url.href;
}

/** Why a session ended, in words a person reads. */
const ENDED_BECAUSE: Record<string, string> = {
  user: 'It was stopped by its owner.',
  admin: 'It was stopped by an administrator.',
  idle: 'It was stopped because nobody used it for a while.',
  expired: 'It reached the end of its lifetime.',
  shutdown: 'The server it ran on was shut down.',
};

/**
 * A session that has ended (stopping or stopped): why, and the way back to one's sessions, where a new one can start.
 */
export function sendEndedPage(res: ServerResponse, session: Session, portalUrl: string): void {
  const nonce = randomBytes(16).toString('base64');
  const reason =
    ENDED_BECAUSE[session.statusReason?.split(':')[0] ?? ''] ??
    (session.statusReason ? `It ended: ${session.statusReason}.` : 'It has ended.');
  res.writeHead(...pageHeaders(nonce, 404));
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(session.name)} has ended</title><style nonce="${nonce}">${STYLE}</style></head><body>
<h1>${escapeHtml(session.name)}${session.name !== session.app ? ` <small>(${escapeHtml(session.app)})</small>` : ''} has ended</h1>
<p id="reason">${escapeHtml(reason)}</p>
<p><a id="again" href="${escapeHtml(relaunchUrl(portalUrl, session))}">Launch it again</a> with the same settings, or go
<a id="back" href="${escapeHtml(portalUrl)}">back to my sessions</a>.</p></body></html>`);
}

/** The session's events as server-sent events, for its holding page (authorized as any request to the session). */
export async function sendEventStream(
  req: IncomingMessage,
  res: ServerResponse,
  deps: { events: SessionEventLog; urls: UrlSettings; keepaliveMs: number },
  session: Session,
): Promise<void> {
  const resumeFrom = Number(req.headers['last-event-id']);
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    'x-accel-buffering': 'no',
  });
  res.flushHeaders();
  const write = (text: string) =>
    new Promise<void>((resolve) => {
      if (res.write(text)) return resolve();
      const done = () => {
        res.off('drain', done).off('close', done);
        resolve();
      };
      res.once('drain', done).once('close', done);
    });
  await streamEvents(
    deps.events,
    session,
    Number.isInteger(resumeFrom) && resumeFrom > 0 ? resumeFrom : 0,
    deps.keepaliveMs,
    {
      send: (event) => write(`id: ${event.id}\ndata: ${JSON.stringify(eventView(event, session, deps.urls))}\n\n`),
      keepalive: () => write(': keepalive\n\n'),
      open: () => !res.destroyed,
    },
  );
  res.end();
}
