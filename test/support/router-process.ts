import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './dynamodb-local';
import { waitFor } from './wait';

/**
 * functions/aws/router-service.ts as the Fargate service runs it, in a process of its own on a free port,
 * reading the sessions table at `dynamodbEndpoint`; resolves once /healthz answers.
 */
export async function spawnRouter(
  dynamodbEndpoint: string,
  env: Record<string, string> = {},
  port?: number,
  cwd?: string,
  healthyWithinMs = 60_000,
): Promise<{ child: ChildProcess; base: string; exited: Promise<number | null> }> {
  port ??= await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'functions/aws/router-service.ts'], {
    ...(cwd ? { cwd } : {}),
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      HOST: '127.0.0.1',
      SESSIONPLANE_APPS: 'examples/apps/apps.yml',
      SESSIONPLANE_TABLE: 'sessions',
      SESSIONPLANE_DYNAMODB_ENDPOINT: dynamodbEndpoint,
      AWS_REGION: 'local',
      SESSIONPLANE_PUBLIC_URL: 'https://sessions.example.org',
      ...env,
    },
    stdio: process.env.SP_ROUTER_LOGS ? 'inherit' : 'ignore',
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const base = `http://127.0.0.1:${port}`;
  // Waits for the first of: healthy, or exited (no point waiting out the bound for a process that died).
  let gone = false;
  void exited.then(() => (gone = true));
  try {
    await waitFor(
      async () => {
        if (gone)
          throw new Error(
            `the router exited (code ${child.exitCode}) before it was healthy; SP_ROUTER_LOGS=1 shows its output`,
          );
        return (await fetch(`${base}/healthz`).catch(() => undefined))?.ok;
      },
      healthyWithinMs,
      'router healthy',
    );
  } catch (error) {
    // A router that never became healthy is not left running after the test (#33).
    child.kill('SIGKILL');
    throw Object.assign(error as Error, { pid: child.pid });
  }
  return { child, base, exited };
}

/**
 * functions/aws/files-service.ts as the router's task runs it beside the router: on a free port of localhost, its homes
 * in a fresh folder (standing in for the EFS mount), reading the table at `dynamodbEndpoint`; resolves once it listens.
 */
export async function spawnFilesService(
  dynamodbEndpoint: string,
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string; homesDir: string }> {
  const port = await freePort();
  const homesDir = mkdtempSync(join(tmpdir(), 'sp-files-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'functions/aws/files-service.ts'], {
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      SESSIONPLANE_TABLE: 'sessionplane-sessions',
      SESSIONPLANE_DYNAMODB_ENDPOINT: dynamodbEndpoint,
      AWS_REGION: 'local',
      SESSIONPLANE_HOMES_DIR: homesDir,
      SESSIONPLANE_LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: process.env.SP_ROUTER_LOGS ? 'inherit' : 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`the files service exited (code ${child.exitCode})`);
        // Any answer (401 without a credential) means it listens.
        return (await fetch(`${url}/homes/me/files/`).catch(() => undefined)) !== undefined;
      },
      60_000,
      'files service listening',
    );
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return { child, url, homesDir };
}
