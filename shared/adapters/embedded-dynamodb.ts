import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';

export interface EmbeddedDynamoDb {
  endpoint: string;
  close(): Promise<void>;
}

/**
 * Starts dynalite in this process on a free loopback port: in memory, or persisted (LevelDB) in
 * `path`. Pure npm, no Java.
 */
export async function startEmbeddedDynamoDb(options: { path?: string } = {}): Promise<EmbeddedDynamoDb> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(options.path ? { path: options.path } : {}) });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    // Requests in flight finish first: dynalite throws (uncaught) if one is answered after its
    // database has closed. Connections still open after 5 s are cut.
    close: () => new Promise<void>((resolve) => {
      const force = setTimeout(() => server.closeAllConnections?.(), 5000);
      server.close(() => {
        clearTimeout(force);
        resolve();
      });
      server.closeIdleConnections?.();
    }),
  };
}
