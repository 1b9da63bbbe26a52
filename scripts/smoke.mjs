#!/usr/bin/env node
// Smoke test of a deployed Sessionplane (or `npm start`): lists the apps, launches one (echo by
// default), shows its status while it starts, opens its sessionURL through the router, echoes a
// message, stops it, and prints the time of each phase. Exits 1 with a message on any failure.
//
//   npm run smoke -- --api https://abc.execute-api.eu-west-1.amazonaws.com --token "$JWT"
//   npm run smoke -- --api http://127.0.0.1:8080 --token "$(cat .sessionplane/admin-token)"
import { parseArgs } from 'node:util';
import WebSocket from 'ws';

const { values } = parseArgs({
  options: {
    api: { type: 'string' },
    token: { type: 'string', default: process.env.SESSIONPLANE_TOKEN },
    app: { type: 'string', default: 'echo' },
    timeout: { type: 'string', default: '600' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help || !values.api || !values.token) {
  console.log(
    'usage: npm run smoke -- --api <ApiUrl> --token <jwt or bearer token> [--app echo] [--timeout 600 (seconds)]',
  );
  process.exit(values.help ? 0 : 2);
}
const api = values.api.replace(/\/+$/, '');
const headers = { authorization: `Bearer ${values.token}`, 'content-type': 'application/json' };
const deadline = Date.now() + Number(values.timeout) * 1000;
const t0 = performance.now();
let phaseStart = t0;
const phase = (name, detail = '') => {
  const now = performance.now();
  console.log(
    `ok   ${name.padEnd(26)} ${((now - phaseStart) / 1000).toFixed(2).padStart(7)} s${detail ? `  ${detail}` : ''}`,
  );
  phaseStart = now;
};
class SmokeFailure extends Error {}
const fail = (message) => {
  throw new SmokeFailure(message);
};

async function call(method, path, body) {
  let res;
  try {
    res = await fetch(`${api}${path}`, { method, headers, ...(body ? { body: JSON.stringify(body) } : {}) });
  } catch (error) {
    fail(
      `${method} ${path}: cannot reach ${api} (${error.cause?.code ?? error.cause?.errors?.[0]?.code ?? error.cause?.message ?? error.message})`,
    );
  }
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    json = { detail: text.slice(0, 200) };
  }
  if (!res.ok)
    fail(
      `${method} ${path}: ${res.status} ${json.code ?? ''} ${json.detail ?? json.error ?? json.message ?? ''}`.trim(),
    );
  return json;
}

function echoThrough(url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { handshakeTimeout: Math.max(1000, deadline - Date.now()) });
    const message = `sessionplane smoke ${Date.now()}`;
    ws.once('open', () => ws.send(message));
    ws.once('message', (data) => {
      ws.close();
      data.toString() === message
        ? resolve()
        : reject(new SmokeFailure(`the echo came back different: ${data.toString().slice(0, 80)}`));
    });
    ws.once('unexpected-response', (_req, res) =>
      reject(new SmokeFailure(`the router refused the WebSocket: ${res.statusCode}`)),
    );
    ws.once('error', (error) => reject(new SmokeFailure(`the WebSocket failed: ${error.message}`)));
  });
}

let sessionId;
try {
  const { apps } = await call('GET', '/apps');
  if (!apps.some((a) => a.name === values.app))
    fail(`app ${values.app} is not offered here (offered: ${apps.map((a) => a.name).join(', ') || 'none'})`);
  phase('list apps', `${apps.length} offered`);

  const launched = await call('POST', '/sessions', { app: values.app, name: 'smoke test' });
  sessionId = launched.id;
  phase('launch', `session ${sessionId}, ${launched.status}`);

  let status = launched.status;
  let session = launched;
  while (status !== 'READY') {
    if (status === 'FAILED' || status === 'STOPPED')
      fail(`the session ended ${status}: ${session.statusReason ?? 'no reason given'}`);
    if (Date.now() > deadline) fail(`the session is still ${status} after ${values.timeout} s`);
    await new Promise((r) => setTimeout(r, 1000));
    session = await call('GET', `/sessions/${sessionId}`);
    if (session.status !== status)
      console.log(
        `     ${status} → ${session.status}  (${((performance.now() - t0) / 1000).toFixed(1)} s since start)`,
      );
    status = session.status;
  }
  phase('ready');

  await echoThrough(launched.sessionURL);
  phase('echo through the router');

  await call('DELETE', `/sessions/${sessionId}`);
  sessionId = undefined;
  phase('stop');
  console.log(`smoke test passed in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
} catch (error) {
  console.error(`FAIL ${error instanceof SmokeFailure ? error.message : error.stack}`);
  if (sessionId) await fetch(`${api}/sessions/${sessionId}`, { method: 'DELETE', headers }).catch(() => undefined);
  process.exit(1);
}
