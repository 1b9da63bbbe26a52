#!/usr/bin/env node
// Smoke test of a deployed Sessionplane (or `npm start`): signs in, lists the apps, launches each one
// (or those named), follows each to READY, opens it through the router (its page over HTTP, and its
// WebSocket: an echo is reported), stops it, and prints the time of each step. Exits 1 with a message
// on any failure, after stopping what it started.
//
//   npx cdk deploy --outputs-file outputs.json
//   npm run smoke -- --outputs outputs.json --user alice@example.org --password "$PASSWORD"
//   npm run smoke -- --api https://abc.execute-api.eu-west-1.amazonaws.com --token "$JWT" [--app echo]
//   npm run smoke -- --api http://127.0.0.1:8080 --token "$(cat .sessionplane/admin-token)"
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';

const { values } = parseArgs({
  options: {
    outputs: { type: 'string' },
    user: { type: 'string' },
    password: { type: 'string', default: process.env.SESSIONPLANE_PASSWORD },
    api: { type: 'string' },
    token: { type: 'string', default: process.env.SESSIONPLANE_TOKEN },
    app: { type: 'string', multiple: true },
    timeout: { type: 'string', default: '600' },
    help: { type: 'boolean', short: 'h' },
  },
});
const usage = `usage: npm run smoke -- --outputs <cdk outputs file> --user <name> --password <password>
       npm run smoke -- --api <ApiUrl> --token <jwt or bearer token>
options: --app <name> (repeatable; default: every app offered)  --timeout <seconds> (600)
         SESSIONPLANE_PASSWORD and SESSIONPLANE_TOKEN may stand for --password and --token`;
if (values.help || !(values.outputs ? values.user && values.password : values.api && values.token)) {
  console.log(usage);
  process.exit(values.help ? 0 : 2);
}
const deadline = Date.now() + Number(values.timeout) * 1000;
const t0 = performance.now();
let phaseStart = t0;
const phase = (name, detail = '') => {
  const now = performance.now();
  console.log(
    `ok   ${name.padEnd(34)} ${((now - phaseStart) / 1000).toFixed(2).padStart(7)} s${detail ? `  ${detail}` : ''}`,
  );
  phaseStart = now;
};
class SmokeFailure extends Error {}
const fail = (message) => {
  throw new SmokeFailure(message);
};
const reasonOf = (error) =>
  error.cause?.code ?? error.cause?.errors?.[0]?.code ?? error.cause?.message ?? error.message;

/** A stack output by its name (cdk's outputs file adds the construct path before and a hash after). */
function output(outputs, name) {
  const found = Object.values(outputs)
    .flatMap((stack) => Object.entries(stack))
    .find(([key]) => key.replace(/[0-9A-F]{8}$/, '').endsWith(name));
  if (!found) fail(`the outputs file has no ${name} output (is it \`cdk deploy --outputs-file\`'s?)`);
  return found[1];
}

/** Cognito's sign-in with a password (USER_PASSWORD_AUTH, which the stack's CLI client allows): an access token. */
async function signIn(outputs) {
  const pool = output(outputs, 'UserPoolId');
  const region = pool.split('_')[0];
  const endpoint =
    process.env.AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER ?? `https://cognito-idp.${region}.amazonaws.com/`;
  let res;
  try {
    res = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AWSCognitoIdentityProviderService.InitiateAuth',
      },
      body: JSON.stringify({
        AuthFlow: 'USER_PASSWORD_AUTH',
        ClientId: output(outputs, 'UserPoolClientId'),
        AuthParameters: { USERNAME: values.user, PASSWORD: values.password },
      }),
    });
  } catch (error) {
    fail(`sign in: cannot reach ${endpoint} (${reasonOf(error)})`);
  }
  const answer = await res.json().catch(() => ({}));
  if (!res.ok) fail(`sign in as ${values.user}: ${answer.__type ?? res.status} ${answer.message ?? ''}`.trim());
  if (answer.ChallengeName === 'NEW_PASSWORD_REQUIRED')
    fail(
      `sign in as ${values.user}: Cognito asks for a new password first (sign in once at the PortalUrl output, or: aws cognito-idp admin-set-user-password --permanent)`,
    );
  if (!answer.AuthenticationResult?.AccessToken)
    fail(`sign in as ${values.user}: Cognito asks for ${answer.ChallengeName ?? 'something else'} (MFA?)`);
  return answer.AuthenticationResult.AccessToken;
}

let api;
let headers;
async function call(method, path, body) {
  let res;
  try {
    res = await fetch(`${api}${path}`, { method, headers, ...(body ? { body: JSON.stringify(body) } : {}) });
  } catch (error) {
    fail(`${method} ${path}: cannot reach ${api} (${reasonOf(error)})`);
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

/** The app's page through the router (any answer of the app's own: not the router's 502/503/504). */
async function pageThrough(url) {
  const res = await fetch(url, { redirect: 'manual' }).catch((error) =>
    fail(`the router cannot be reached at ${new URL(url).origin} (${reasonOf(error)})`),
  );
  await res.arrayBuffer();
  return res.status;
}

/** Its WebSocket through the router: open, and whether a message comes back the same (an echo). */
function socketThrough(url) {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { handshakeTimeout: Math.max(1000, Math.min(30_000, deadline - Date.now())) });
    const message = `sessionplane smoke ${Date.now()}`;
    let timer;
    const done = (result) => {
      clearTimeout(timer);
      ws.terminate();
      resolve(result);
    };
    ws.once('open', () => {
      ws.send(message);
      timer = setTimeout(() => done('open'), 3000);
    });
    ws.once('message', (data) => done(data.toString() === message ? 'echoed' : 'open'));
    ws.once('unexpected-response', (_req, res) => done(`refused ${res.statusCode}`));
    ws.once('error', (error) => done(`failed (${error.message})`));
  });
}

/** Until the session is READY (a job: until it COMPLETED; a job that failed fails the smoke test with its output). */
async function untilReady(app, launched) {
  let session = launched;
  const goal = session.kind === 'job' ? 'COMPLETED' : 'READY';
  while (session.status !== goal) {
    if (session.status === 'FAILED' && session.kind === 'job')
      fail(`${app}: the job FAILED: ${session.statusReason}\n${(session.output ?? []).join('\n')}`);
    if (['FAILED', 'STOPPED', 'COMPLETED'].includes(session.status))
      fail(`${app}: the session ended ${session.status}: ${session.statusReason ?? 'no reason given'}`);
    if (Date.now() > deadline) fail(`${app}: the session is still ${session.status} after ${values.timeout} s`);
    await new Promise((r) => setTimeout(r, 1000));
    const seen = await call('GET', `/sessions/${session.id}`);
    if (seen.status !== session.status)
      console.log(
        `     ${app}: ${session.status} → ${seen.status}  (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
      );
    session = seen;
  }
  return session;
}

const started = new Map();
try {
  if (values.outputs) {
    let outputs;
    try {
      outputs = JSON.parse(readFileSync(values.outputs, 'utf8'));
    } catch (error) {
      fail(`cannot read the outputs file ${values.outputs} (${error.code ?? error.message})`);
    }
    api = output(outputs, 'ApiUrl');
    headers = { authorization: `Bearer ${await signIn(outputs)}` };
    phase('sign in', values.user);
  } else headers = { authorization: `Bearer ${values.token}` };
  api = (values.api ?? api).replace(/\/+$/, '');
  headers['content-type'] = 'application/json';

  const { apps } = await call('GET', '/apps');
  const offered = apps.map((a) => a.name);
  const names = values.app?.flatMap((a) => a.split(',')) ?? offered;
  for (const name of names)
    if (!offered.includes(name)) fail(`app ${name} is not offered here (offered: ${offered.join(', ') || 'none'})`);
  phase('list apps', `${apps.length} offered: ${offered.join(', ')}`);

  // Every launch first (their tasks start side by side), then each app in turn.
  for (const app of names) {
    const launched = await call('POST', '/sessions', { app, name: 'smoke test' });
    started.set(app, launched);
    phase(`${app}: launch`, `session ${launched.id}, ${launched.status}`);
  }
  for (const app of names) {
    const session = await untilReady(app, started.get(app));
    if (session.kind === 'job') {
      // A job has no web page: it ran to its end, and its output says what it did.
      started.delete(app);
      phase(`${app}: completed`, `exit code ${session.exitCode}, ${session.output?.length ?? 0} lines of output`);
      continue;
    }
    phase(`${app}: ready`);
    const page = await pageThrough(session.connectURL);
    const socket = await socketThrough(session.sessionURL);
    if (page >= 500 && !['open', 'echoed'].includes(socket))
      fail(`${app}: the router could not open it: its page ${page}, its WebSocket ${socket}`);
    phase(`${app}: open through the router`, `page ${page}, WebSocket ${socket}`);
    await call('DELETE', `/sessions/${session.id}`);
    started.delete(app);
    phase(`${app}: stop`);
  }
  console.log(
    `smoke test passed in ${((performance.now() - t0) / 1000).toFixed(2)} s (${names.length} app${names.length === 1 ? '' : 's'})`,
  );
} catch (error) {
  console.error(`FAIL ${error instanceof SmokeFailure ? error.message : error.stack}`);
  for (const session of started.values())
    await fetch(`${api}/sessions/${session.id}`, { method: 'DELETE', headers }).catch(() => undefined);
  process.exit(1);
}
