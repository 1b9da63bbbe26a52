// The portal's only script (the CSP allows no other): launch forms, live progress, session actions.
// Every request that changes state carries the page's CSRF token; the cookie alone is refused.
const csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? '';
const sessions = document.getElementById('sessions');
const streams = new Map();

/** Where the portal is served (under TRAME_URL_PREFIX, `/viz`): its API requests go there too. */
const BASE = new URL('.', import.meta.url).pathname.replace(/\/$/, '');

async function api(method, path, body) {
  const res = await fetch(`${BASE}${path}`, {
    method,
    headers: { 'x-csrf-token': csrf, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const type = res.headers.get('content-type') ?? '';
  const data = type.includes('json') ? await res.json() : await res.text();
  return { ok: res.ok, status: res.status, data };
}

/** Swaps in the cards as the server renders them now, and follows the starting ones. */
async function refresh() {
  if (!sessions?.dataset.refresh) return;
  // Not while the user is typing in a card (the share form): the swap would take their input away.
  if (sessions.contains(document.activeElement) && document.activeElement.matches('input, select, textarea')) return;
  const res = await fetch(sessions.dataset.refresh);
  if (res.ok) {
    const kept = cardState();
    sessions.innerHTML = await res.text();
    restoreCards(kept);
  }
  follow();
}

/** What the person has done to each card (an open share box, its inputs and answer, an open log, the focus), by session. */
function cardState() {
  const state = new Map();
  const active = sessions.contains(document.activeElement) ? document.activeElement : null;
  for (const card of sessions.querySelectorAll('li.session[data-id]')) {
    const form = card.querySelector('form.share');
    const status = form?.querySelector('.share-status');
    const log = card.querySelector('.log');
    state.set(card.dataset.id, {
      open: card.querySelector('details.share-box')?.open,
      values: form ? [...form.elements].filter((el) => el.name).map((el) => [el.name, el.value]) : [],
      status: status?.textContent ? { text: status.textContent, failed: status.classList.contains('failed') } : null,
      log: log && !log.hidden ? log.textContent : null,
      focus: active && card.contains(active) ? focusKey(active) : null,
    });
  }
  return state;
}

function focusKey(el) {
  if (el.id) return `#${CSS.escape(el.id)}`;
  if (el.dataset.action)
    return `[data-action="${el.dataset.action}"]${el.dataset.share ? `[data-share="${el.dataset.share}"]` : ''}`;
  if (el.matches('form.share button[type="submit"]')) return 'form.share button[type="submit"]';
  return el.matches('summary') ? 'details.share-box summary' : null;
}

/** Puts back what cardState kept, on the cards that are still there: a refresh never closes what someone opened. */
function restoreCards(state) {
  for (const card of sessions.querySelectorAll('li.session[data-id]')) {
    const kept = state.get(card.dataset.id);
    if (!kept) continue;
    const details = card.querySelector('details.share-box');
    if (details && kept.open !== undefined) details.open = kept.open;
    const form = card.querySelector('form.share');
    for (const [name, value] of kept.values) if (form?.elements[name]) form.elements[name].value = value;
    const status = form?.querySelector('.share-status');
    if (status && kept.status) {
      status.textContent = kept.status.text;
      status.classList.toggle('failed', kept.status.failed);
    }
    const log = card.querySelector('.log');
    if (log && kept.log !== null) {
      log.hidden = false;
      log.textContent = kept.log;
      card.querySelector('button[data-action="logs"]')?.setAttribute('aria-expanded', 'true');
    }
    if (kept.focus) card.querySelector(kept.focus)?.focus();
  }
}

/** A starting session's progress from its event stream (server-sent events, the same origin's cookie). */
function follow() {
  for (const box of document.querySelectorAll('.progress[data-events]')) {
    const url = box.dataset.events;
    if (streams.has(url)) {
      streams.get(url).box = box;
      continue;
    }
    const entry = { box, source: new EventSource(url) };
    streams.set(url, entry);
    entry.source.onmessage = (message) => {
      const event = JSON.parse(message.data);
      entry.box.querySelector('progress').value = event.progress;
      entry.box.querySelector('.phase').textContent = event.message;
      if (event.phase === 'ready' || event.phase === 'failed' || event.phase === 'stopped') {
        entry.source.close();
        streams.delete(url);
        void refresh();
      }
    };
    entry.source.onerror = () => {
      entry.source.close();
      streams.delete(url);
    };
  }
}

function showProblem(form, problem) {
  const general = form.querySelector('.form-error');
  let placed = false;
  for (const text of problem.problems ?? []) {
    const field = text.split(':')[0];
    // `args[2]: …` belongs under the arguments' field.
    const slot =
      form.querySelector(`.field-error[data-field="${CSS.escape(field)}"]`) ??
      form.querySelector(`.field-error[data-field="${CSS.escape(field.replace(/\[\d+\]$/, ''))}"]`);
    if (slot) {
      slot.textContent = text.slice(field.length + 1).trim();
      placed = true;
    }
  }
  general.textContent = placed ? '' : (problem.detail ?? `The launch failed (${problem.status}).`);
}

// Sharing a session: with a user, or a group (group:name), for some hours or until it ends.
document.addEventListener('submit', async (e) => {
  const form = e.target;
  if (!(form instanceof HTMLFormElement) || !form.classList.contains('share')) return;
  e.preventDefault();
  const grantee = form.elements.grantee.value.trim();
  const hours = Number(form.elements.hours.value);
  const body = grantee.startsWith('group:') ? { group: grantee.slice(6) } : { user: grantee };
  if (hours > 0) body.expiresInSeconds = Math.round(hours * 3600);
  const id = form.dataset.id;
  const res = await api('POST', `/sessions/${id}/shares`, body);
  // The cards are swapped in anew (the card lists its shares): say it in the form that is there now.
  if (res.ok) {
    form.reset();
    form.querySelector('input')?.blur();
    await refresh();
  }
  const status = document.querySelector(`form.share[data-id="${id}"] .share-status`);
  if (!status) return;
  status.classList.toggle('failed', !res.ok);
  status.textContent = res.ok
    ? `Shared with ${grantee}: they will find it among their sessions.`
    : (res.data?.detail ?? `Not shared (${res.status}).`);
});

document.addEventListener('submit', async (e) => {
  const form = e.target;
  if (!(form instanceof HTMLFormElement) || !form.classList.contains('launch')) return;
  e.preventDefault();
  for (const slot of form.querySelectorAll('.field-error, .form-error')) slot.textContent = '';
  const body = { app: form.dataset.app, params: {} };
  for (const input of form.querySelectorAll('input, select')) {
    if (!input.name) continue;
    if (input.name.startsWith('params.'))
      body.params[input.name.slice(7)] = input.type === 'checkbox' ? String(input.checked) : input.value;
    else if (input.name === 'name' && input.value.trim()) body.name = input.value.trim();
    else if (input.name === 'profile' && input.value) body.profile = input.value;
    else if ((input.name === 'idleTimeout' || input.name === 'maxLifetime') && input.value)
      body[input.name] = input.value === 'never' ? 'never' : Number(input.value);
    else if (input.name === 'args' && input.value.trim()) body.args = input.value.trim().split(/\s+/);
    else if (input.name.startsWith('resources.') && input.value !== input.defaultValue) {
      body.resources ??= {};
      body.resources[input.name.slice(10)] = Number(input.value);
    }
  }
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  try {
    const res = await api('POST', '/sessions', body);
    if (res.ok) await refresh();
    else showProblem(form, typeof res.data === 'object' ? res.data : { detail: String(res.data), status: res.status });
  } finally {
    button.disabled = false;
  }
});

// An admin pauses a pool, saying why (kept with the pause, shown in the table).
document.addEventListener('submit', async (e) => {
  const form = e.target;
  if (!(form instanceof HTMLFormElement) || !form.classList.contains('pause')) return;
  e.preventDefault();
  const reason = form.elements.namedItem('reason').value.trim();
  const res = await api('POST', `/pools/${encodeURIComponent(form.dataset.app)}/pause`, reason ? { reason } : {});
  if (!res.ok) alert(res.data?.detail ?? `Failed (${res.status}).`);
  location.reload();
});

// Files: each chosen file goes to the API as the browser reads it (PUT /homes/me/files/…), one after another.
document.addEventListener('submit', async (e) => {
  const form = e.target;
  if (!(form instanceof HTMLFormElement) || !form.classList.contains('upload')) return;
  e.preventDefault();
  const status = form.querySelector('.upload-status');
  const folder = form.dataset.path ? `${form.dataset.path.split('/').map(encodeURIComponent).join('/')}/` : '';
  for (const file of form.elements.namedItem('files').files) {
    status.textContent = `Uploading ${file.name}…`;
    const res = await fetch(`${BASE}/homes/me/files/${folder}${encodeURIComponent(file.name)}`, {
      method: 'PUT',
      headers: { 'x-csrf-token': csrf, 'content-type': 'application/octet-stream' },
      body: file,
    });
    if (!res.ok) {
      const problem = await res.json().catch(() => ({}));
      status.textContent = `${file.name}: ${problem.detail ?? `failed (${res.status})`}`;
      return;
    }
  }
  location.reload();
});

document.addEventListener('click', async (e) => {
  const button = e.target instanceof Element ? e.target.closest('button[data-action]') : null;
  if (!button) return;
  const id = button.dataset.id;
  const card = button.closest('.session');
  if (button.dataset.action === 'logs') {
    const pre = card.querySelector('.log');
    const open = pre.hidden;
    pre.hidden = !open;
    button.setAttribute('aria-expanded', String(open));
    if (open) pre.textContent = (await api('GET', `/sessions/${id}/logs?limit=4096`)).data || '(no output yet)';
    return;
  }
  button.disabled = true;
  const action = button.dataset.action;
  const res =
    action === 'resume-pool'
      ? await api('POST', `/pools/${encodeURIComponent(button.dataset.app)}/resume`)
      : action === 'relaunch'
        ? await api('POST', '/sessions', JSON.parse(button.dataset.launch))
        : action === 'stop'
          ? await api('DELETE', `/sessions/${id}`)
          : action === 'unshare'
            ? await api('DELETE', `/sessions/${id}/shares/${button.dataset.share}`)
            : await api('POST', `/sessions/${id}/renew`);
  if (!res.ok) alert(res.data?.detail ?? `Failed (${res.status}).`);
  if (sessions?.dataset.admin) location.reload();
  else await refresh();
});

follow();
// A session's state changes by itself too (ready, reaped, stopped): look again now and then.
if (sessions?.dataset.refresh) setInterval(() => void refresh(), 15000);
