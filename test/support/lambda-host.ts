import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * What Lambda does with a bundle between invocations, on this machine: one warm process per function
 * (its module loaded once, as in a warm execution environment), each event handed to its `handler` in
 * turn, the result or the thrown error's name and message sent back.
 */
const RUNNER = `const { handler } = await import(process.env.SP_LAMBDA_BUNDLE);
const context = { functionName: process.env.SP_LAMBDA_NAME, awsRequestId: 'r', getRemainingTimeInMillis: () => 30000 };
process.on('message', async ({ n, event }) => {
  const result = await handler(event, context).catch((e) => ({ thrown: e.name + ': ' + e.message }));
  process.send({ n, result: result ?? null });
});
process.send({ ready: true });`;

/**
 * The runner's file, written once per test process into a folder of its own: rewritten for every function, a child
 * could start from the file while another write had truncated it (an empty module: it exits at once, saying nothing).
 */
let runnerFile: string | undefined;
function runnerPath(): string {
  if (!runnerFile) {
    runnerFile = join(mkdtempSync(join(tmpdir(), 'sp-lambda-')), 'runner.mjs');
    writeFileSync(runnerFile, RUNNER);
  }
  return runnerFile;
}

export interface WarmFunction {
  invoke<T = unknown>(event: unknown): Promise<T>;
  close(): Promise<void>;
}

export async function warmFunction(name: string, file: string, env: Record<string, string>): Promise<WarmFunction> {
  const child: ChildProcess = fork(runnerPath(), [], {
    env: { ...env, SP_LAMBDA_BUNDLE: file, SP_LAMBDA_NAME: name },
    stdio: ['ignore', process.env.DEBUG_MOTO ? 'inherit' : 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const pending = new Map<number, (result: unknown) => void>();
  let next = 0;
  let exited = false;
  const gone = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      for (const reject of pending.values()) reject({ thrown: `${name} exited: ${stderr}` });
      resolve();
    }),
  );
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    void gone.then(() => reject(new Error(`${name} did not start (exit ${child.exitCode}): ${stderr}`)));
  });
  child.on('message', (m: { n?: number; result?: unknown }) => {
    if (m.n === undefined) return;
    pending.get(m.n)?.(m.result);
    pending.delete(m.n);
  });
  return {
    invoke: <T>(event: unknown) =>
      new Promise<T>((resolve) => {
        if (exited || !child.connected) return resolve({ thrown: `${name} has exited: ${stderr}` } as T);
        const n = next++;
        pending.set(n, resolve as (r: unknown) => void);
        // A host stopped for a cold start may close its channel before its exit is seen: failed, as Lambda would
        // answer an invocation of an instance it is shutting down (EventBridge delivers it again).
        child.send({ n, event }, (error) => {
          if (!error) return;
          pending.delete(n);
          resolve({ thrown: `${name}: ${error.message}` } as T);
        });
      }),
    close: async () => {
      if (!exited) child.kill('SIGTERM');
      await gone;
    },
  };
}
