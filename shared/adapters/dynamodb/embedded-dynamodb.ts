import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AbstractIterator, AbstractKeyIterator, AbstractValueIterator } from 'abstract-level';
import { ClassicLevel } from 'classic-level';
import { cacheTableRecords } from './table-record-cache';
import { ConfigError } from '../../domain/errors';
import { answerHttp, dynaliteDb, InProcessDynamoDb } from './in-process-dynamodb';

/**
 * dynalite 4 reads LevelDB through streams whose destroy() ends the iterator with `iterator.return()`,
 * an async-generator method; abstract-level 3's iterators have `close()` instead, and one that is
 * never closed stays attached to its database until the database closes. So every Query, Scan and
 * GetItem left one LevelDB iterator open: about 8 KiB of heap (and native memory) per list request
 * of 200 sessions, for as long as the server ran (#13). Giving the iterators the `return()` dynalite
 * calls closes each one when its stream ends. (To go upstream to dynalite; harmless once it has.)
 */
function closeIteratorsOnReturn(): void {
  for (const Iterator of [AbstractIterator, AbstractKeyIterator, AbstractValueIterator]) {
    if ('return' in Iterator.prototype) continue;
    Object.defineProperty(Iterator.prototype, 'return', {
      configurable: true,
      writable: true,
      value(this: { close(): Promise<void> }) {
        return this.close().then(() => ({ done: true, value: undefined }));
      },
    });
  }
}

export interface EmbeddedDynamoDb {
  /** Its loopback HTTP address, for other processes and tools (this process's own clients use `handler`). */
  endpoint: string;
  /** The store reached in this process: no socket, no HTTP, no request signing (createDocumentClient's `embedded`). */
  handler: InProcessDynamoDb;
  close(): Promise<void>;
}

/**
 * Starts dynalite in this process: in memory, or persisted (LevelDB) in `path`. Pure npm, no Java. This process's
 * clients call it directly (`handler`); it also listens on a free loopback port for anyone else.
 */
export async function startEmbeddedDynamoDb(options: { path?: string } = {}): Promise<EmbeddedDynamoDb> {
  closeIteratorsOnReturn();
  if (options.path) await checkOpens(options.path);
  const store = dynaliteDb.create({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(options.path ? { path: options.path } : {}),
  });
  cacheTableRecords(store.tableDb);
  const handler = new InProcessDynamoDb(store);
  const server = createServer((req, res) => void answerHttp(handler, req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    handler,
    // Requests in flight finish first (connections still open after 5 s are cut); then the database, once the
    // operations it has begun are done.
    close: async () => {
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => server.closeAllConnections?.(), 5000);
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections?.();
      });
      await handler.close();
    },
  };
}

/**
 * Opens and closes the LevelDB folder once before dynalite does: dynalite throws a failure to open
 * from a callback, which no caller can catch, so a damaged or locked store would end start-up with
 * a bare "Database is closed" stack trace (#11 m4).
 */
async function checkOpens(path: string): Promise<void> {
  const db = new ClassicLevel(path);
  try {
    await db.open();
  } catch (error) {
    const cause = (error as { cause?: Error }).cause?.message ?? (error as Error).message;
    throw new ConfigError(`Cannot open the embedded store in ${path}`, [
      cause,
      /lock/i.test(cause)
        ? 'another Sessionplane server may be using this data directory'
        : 'it may be damaged: move the folder aside to start with an empty store (the sessions recorded in it are then forgotten; stop their processes first)',
    ]);
  }
  await db.close();
}
