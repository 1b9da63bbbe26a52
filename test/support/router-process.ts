import { spawn, type ChildProcess } from 'node:child_process';
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
