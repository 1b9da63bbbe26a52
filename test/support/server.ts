import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './dynamodb-local';
import { testPortRange } from './ports';

export interface ServerProcess {
  child: ChildProcess;
  base: string;
  dataDir: string;
  /** The admin's bearer token, from the data directory. */
  adminToken: string;
  /** fetch() against the API as the admin. */
  api(path: string, init?: RequestInit): Promise<Response>;
  output(): string;
  /** Sends `signal` and waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `npm start`'s entry as a real child process on a free port; resolves once it listens. A port found free can
 * be taken by another test's process before the server binds it (a loaded run saw EADDRINUSE): then it starts again
 * on another, up to three times (not where the caller named the port).
 */
export async function startServer(
  env: Record<string, string> = {},
  dataDir = mkdtempSync(join(tmpdir(), 'sp-e2e-')),
): Promise<ServerProcess> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(env, dataDir, Number(env.PORT ?? (await freePort())));
    } catch (error) {
      if (attempt >= 3 || env.PORT !== undefined || !(error as Error).message.includes('EADDRINUSE')) throw error;
    }
  }
}

async function startOnce(env: Record<string, string>, dataDir: string, port: number): Promise<ServerProcess> {
  const [lo, hi] = testPortRange();
  const child = spawn(process.execPath, ['--import', 'tsx', 'functions/local/main.ts'], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: String(port),
      SESSIONPLANE_DATA_DIR: dataDir,
      SESSIONPLANE_PORT_RANGE: `${lo}-${hi}`,
      SESSIONPLANE_STOP_GRACE: '2s',
      SESSIONPLANE_SESSION_DOMAIN: 'none',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 90_000);
    const check = () => {
      if (out.includes('Sessionplane is listening on')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => reject(new Error(`server exited with ${code}:\n${out}`)));
  });
  const adminToken = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
  const base = `http://127.0.0.1:${port}`;
  return {
    child,
    base,
    dataDir,
    adminToken,
    api: (path, init = {}) => {
      const headers = new Headers(init.headers);
      headers.set('authorization', `Bearer ${adminToken}`);
      return fetch(`${base}${path}`, { ...init, headers });
    },
    output: () => out,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}
