import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { stringify } from 'yaml';
import { createDocumentClient } from '../../shared/adapters/dynamodb/dynamodb-client';
import { DynamoDbQuotaStore } from '../../shared/adapters/dynamodb/dynamodb-quota-store';
import { DynamoDbSessionStore } from '../../shared/adapters/dynamodb/dynamodb-session-store';
import { DynamoDbUsageStore } from '../../shared/adapters/dynamodb/dynamodb-usage-store';
import { type EmbeddedDynamoDb, startEmbeddedDynamoDb } from '../../shared/adapters/dynamodb/embedded-dynamodb';
import { MARKER, runTag } from '../../shared/adapters/runtime/local-process/local-process-runtime';
import { markedProcesses } from '../../shared/adapters/runtime/local-process/process-group';
import { freePort } from '../support/dynamodb-local';
import { testPortRange } from '../support/ports';
import { testUsers } from '../support/users';
import { waitFor } from '../support/wait';
import { callRemembering, openRemembering } from './product-http';
import type { Product } from './product-model';

const FIXTURE = resolve('test/support/fixtures/fixture-app.mjs');
const ECHO = resolve('examples/apps/echo-ws.mjs');
const BUNDLE = resolve('.build/model-local.mjs');

/** The users of every run: two plain users, one in the group `viz`, and an admin. */
export const MODEL_USERS = { alice: {}, bob: {}, dave: { groups: ['viz'] }, root: { role: 'admin' as const } };
export type ModelUser = keyof typeof MODEL_USERS;
/** Live sessions a user may hold at once. */
export const MODEL_CAP = 3;
/** Jobs a user may run at once; more wait in the queue (#37). */
export const MODEL_JOB_CAP = 2;
/** The value of the viz group's secret (its reference is `env:SP_MODEL_VIZ_KEY`): never in a record. */
const MODEL_VIZ_KEY = 'model-viz-key-0d1e2f';
/** Visitors' sessions of the open app live at once. */
export const MODEL_OPEN_MAX = 3;

/** Every kind of app the product has on one machine: a process, a home, a profile, a hidden one, a pooled one. */
const APPS = {
  echo: {
    cmd: [process.execPath, ECHO, '--host', '${host}', '--port', '${port}'],
    ready_line: 'App running at',
    resources: { cpu: 0.1, memory: '64Mi' },
  },
  notes: {
    cmd: [process.execPath, FIXTURE, '--host', '${host}', '--port', '${port}'],
    ready: { tcp: true },
    home: '/home/user',
    resources: { cpu: 0.1, memory: '64Mi' },
  },
  sized: {
    cmd: [process.execPath, FIXTURE, '--host', '${host}', '--port', '${port}'],
    ready: { tcp: true },
    resources: { cpu: 0.1, memory: '64Mi' },
    limits: { cpu: 1, memory: '1Gi' },
    profiles: { small: { resources: { cpu: 0.2, memory: '128Mi' } } },
    // Limits its users choose (#37): the work model's PATCH picks within them.
    idleTimeout: { default: '10m', min: '1m', max: 'never' },
    maxLifetime: { default: '1h', min: '10m', max: '8h' },
  },
  hidden: {
    cmd: [process.execPath, FIXTURE, '--host', '${host}', '--port', '${port}'],
    ready: { tcp: true },
    resources: { cpu: 0.1, memory: '64Mi' },
    access: { groups: ['viz'] },
    // A licence the viz group holds (#38): only a member's session gets it (an admin may launch the app, without it).
    secrets: { VIZ_KEY: { ref: 'env:SP_MODEL_VIZ_KEY', groups: ['viz'] } },
  },
  pooled: {
    cmd: [process.execPath, ECHO, '--host', '${host}', '--port', '${port}'],
    ready_line: 'App running at',
    resources: { cpu: 0.1, memory: '64Mi' },
    pool: { min: 1 },
  },
  // Open to anyone (the trame image's model), opened through the web client (/public.html).
  public: {
    cmd: [process.execPath, ECHO, '--host', '${host}', '--port', '${port}'],
    ready_line: 'App running at',
    resources: { cpu: 0.1, memory: '64Mi' },
    client: 'www',
    open: { max: MODEL_OPEN_MAX, perAddressPerMinute: 1000 },
  },
};
export type ModelApp = keyof typeof APPS;
/** A batch job (#37): two short items, then its EXIT_CODE; no page, so the session commands leave it alone. */
export const MODEL_JOB = 'batch';
const JOBS = {
  [MODEL_JOB]: {
    kind: 'job',
    cmd: [process.execPath, resolve('examples/apps/batch.mjs')],
    params: {
      ITEMS: { type: 'integer', default: 2 },
      ITEM_MS: { type: 'integer', default: 100 },
      EXIT_CODE: { type: 'integer', min: 0, max: 255, default: 0 },
    },
    resources: { cpu: 0.1, memory: '64Mi' },
  },
};
export const MODEL_APPS = Object.keys(APPS) as ModelApp[];

/** Builds the server as `npm start` does (once per test process). */
let built: Promise<unknown> | undefined;
function buildServer() {
  built ??= build({
    entryPoints: ['functions/local/main.ts'],
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    target: 'node20',
    outfile: BUNDLE,
    logLevel: 'warning',
  });
  return built;
}

/**
 * The product on one machine, as a person runs it: the server built as `npm start` builds it, in a
 * process of its own, with the apps above and a tokens file; its table in a dynalite of the test's
 * (so a kill -9 of the server loses nothing the store had), read directly for the invariants.
 */
export class LocalProduct implements Product {
  readonly files = true;
  readonly groupSecret = { app: 'hidden', name: 'VIZ_KEY', group: 'viz', value: MODEL_VIZ_KEY };
  readonly users = testUsers(MODEL_USERS);
  readonly dir = mkdtempSync(join(tmpdir(), 'sp-model-'));
  readonly dataDir = join(this.dir, 'data');
  readonly table = `model-${Date.now().toString(36)}`;
  url = '';
  /** Every answer the product gave with a 5xx, with what was asked. */
  readonly serverErrors: string[] = [];
  private child: ChildProcess | undefined;
  private exited: Promise<number | null> | undefined;
  private output = '';
  private port = 0;
  private readonly cookies = new Map<ModelUser, { cookie: string; csrf: string }>();

  private constructor(
    private readonly db: EmbeddedDynamoDb,
    readonly client = createDocumentClient({ endpoint: db.endpoint, region: 'local' }),
    readonly store = new DynamoDbSessionStore(client, '-'),
  ) {}

  static async start(): Promise<LocalProduct> {
    await buildServer();
    const product = new LocalProduct(await startEmbeddedDynamoDb());
    // Others may pass through to the data directory, as through a checkout's folder (mkdtemp's is 0700).
    chmodSync(product.dir, 0o711);
    Object.assign(product, { store: new DynamoDbSessionStore(product.client, product.table) });
    writeFileSync(join(product.dir, 'apps.yml'), stringify({ ...APPS, ...JOBS }));
    mkdirSync(join(product.dir, 'www'));
    writeFileSync(join(product.dir, 'www', 'index.html'), '<!doctype html><html><body>client</body></html>');
    product.port = await freePort();
    await product.boot();
    return product;
  }

  quotas() {
    return new DynamoDbQuotaStore(this.client, this.table);
  }

  usage() {
    return new DynamoDbUsageStore(this.client, this.table, 86_400_000);
  }

  /** The session ids that have a process of this product's data directory. */
  processes(): string[] {
    return markedProcesses(MARKER, `${runTag(join(this.dataDir, 'run'))}/`).map((p) => p.marker.split('/')[1]!);
  }

  async boot(): Promise<void> {
    const [lo, hi] = testPortRange();
    this.output = '';
    const child = spawn(process.execPath, ['--enable-source-maps', BUNDLE], {
      env: {
        PATH: process.env.PATH,
        PORT: String(this.port),
        HOST: '127.0.0.1',
        SESSIONPLANE_DATA_DIR: this.dataDir,
        SESSIONPLANE_APPS: join(this.dir, 'apps.yml'),
        SESSIONPLANE_WWW: join(this.dir, 'www'),
        SESSIONPLANE_AUTH_TOKENS: this.users.path,
        SP_MODEL_VIZ_KEY: MODEL_VIZ_KEY,
        SESSIONPLANE_DYNAMODB_ENDPOINT: this.db.endpoint,
        SESSIONPLANE_TABLE: this.table,
        SESSIONPLANE_PORT_RANGE: `${lo}-${hi}`,
        SESSIONPLANE_STOP_GRACE: '2s',
        SESSIONPLANE_SESSION_DOMAIN: 'none',
        SESSIONPLANE_CONTAINER_HOST: 'none',
        SESSIONPLANE_MAX_SESSIONS_PER_USER: String(MODEL_CAP),
        SESSIONPLANE_MAX_JOBS_PER_USER: String(MODEL_JOB_CAP),
        SESSIONPLANE_MAX_CPU_PER_USER: '8',
        SESSIONPLANE_MAX_MEMORY_PER_USER: '8Gi',
        SESSIONPLANE_REAPER_INTERVAL: '2s',
        // The invariants read every list of every user after each step: far above people's pace.
        SESSIONPLANE_RATE_LIMIT: '1000000',
        SESSIONPLANE_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.output += d.toString()));
    this.child = child;
    this.exited = new Promise((r) => child.once('exit', (code) => r(code)));
    await waitFor(
      () => {
        if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}):\n${this.output}`);
        return this.output.includes('Sessionplane is listening on');
      },
      60_000,
      'the server listening',
    );
    this.url = `http://127.0.0.1:${this.port}`;
    if (this.cookies.size === 0)
      for (const user of Object.keys(MODEL_USERS) as ModelUser[]) this.cookies.set(user, await this.signIn(user));
  }

  /** Stops the server: SIGTERM (it stops every session, exit 0) or SIGKILL (it leaves them; the next start ends them). */
  async stop(signal: 'SIGTERM' | 'SIGKILL'): Promise<number | null> {
    this.child?.kill(signal);
    const code = (await this.exited) ?? null;
    this.child = undefined;
    return code;
  }

  async dispose(): Promise<void> {
    if (this.child) await this.stop('SIGTERM');
    for (const p of markedProcesses(MARKER, `${runTag(join(this.dataDir, 'run'))}/`)) process.kill(p.pid, 'SIGKILL');
    this.client.destroy();
    await this.db.close();
    this.users.dispose();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** A request as `who` (a bearer token; none for anonymous), remembering any 5xx. */
  call(
    who: ModelUser | null,
    path: string,
    init: RequestInit & { form?: boolean; allow503?: boolean } = {},
  ): Promise<Response> {
    return callRemembering(this.url, who ? this.users.tokens[who] : undefined, who, path, init, this.serverErrors);
  }

  /** A portal page as `who`, signed in by their cookie. */
  async page(who: ModelUser, path: string): Promise<Response> {
    const res = await fetch(`${this.url}${path}`, {
      headers: { cookie: this.cookies.get(who)!.cookie },
      redirect: 'manual',
    });
    if (res.status >= 500) this.serverErrors.push(`portal ${path} as ${who}: ${res.status}`);
    return res;
  }

  /** An API request as the portal's script makes it: the sign-in cookie, and its CSRF token on a change. */
  async portalApi(who: ModelUser, path: string, init: RequestInit = {}): Promise<Response> {
    const { cookie, csrf } = this.cookies.get(who)!;
    const headers = new Headers(init.headers);
    headers.set('cookie', cookie);
    if (init.method && init.method !== 'GET') headers.set('x-csrf-token', csrf);
    if (init.body) headers.set('content-type', 'application/json');
    const res = await fetch(`${this.url}${path}`, { ...init, headers, redirect: 'manual' });
    if (res.status >= 500) this.serverErrors.push(`portal ${init.method ?? 'GET'} ${path} as ${who}: ${res.status}`);
    return res;
  }

  /** Fetches a URL the product handed out (a connectURL), remembering any 5xx. */
  open(url: string): Promise<Response> {
    return openRemembering(url, this.serverErrors);
  }

  private async signIn(user: ModelUser) {
    const res = await fetch(`${this.url}/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: this.url },
      body: new URLSearchParams({ token: this.users.tokens[user], next: '/' }),
    });
    const cookie = res.headers.getSetCookie()[0]!.split(';')[0]!;
    const home = await (await fetch(`${this.url}/`, { headers: { cookie } })).text();
    return { cookie, csrf: /<meta name="csrf-token" content="([^"]+)"/.exec(home)![1]! };
  }

  log(): string {
    return this.output.slice(-4000);
  }
}
