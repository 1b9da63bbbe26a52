import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';

/*
 * dynalite reached in this process. The HTTP server dynalite ships parses each request's headers, checks that it is
 * signed, parses its JSON, checks its types and rules and runs the action on the store. This process's own clients
 * need only the last three: their requests go from the SDK's serializer straight to dynalite's checks and actions
 * (a request handler with no socket, and no SigV4 signature to compute: there is no one to check it), and the
 * answer back to the SDK's deserializer, so every store adapter runs unchanged on it. A launch makes about ten store
 * calls; each used to cost an HTTP round trip on loopback and a signature (#39).
 */

const require = createRequire(import.meta.url);

/** dynalite's store (`dynalite/db`'s `create`): its LevelDB, table records and lifecycle. */
export interface DynaliteStore {
  lifecycleManager: { gracefulClose(): Promise<void> };
}

interface DynaliteError extends Error {
  statusCode?: number;
  body?: unknown;
}

type Action = (store: DynaliteStore, data: unknown, cb: (err: DynaliteError | null, data?: unknown) => void) => void;
interface ActionRules {
  types: unknown;
  custom?: unknown;
}
interface Validations {
  checkTypes(data: unknown, types: unknown): unknown;
  checkValidations(data: unknown, types: unknown, custom: unknown, store: DynaliteStore): void;
  toLowerFirst(name: string): string;
}

export const dynaliteDb = require('dynalite/db') as {
  create(options: {
    path?: string;
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
  }): DynaliteStore;
};
const validations = require('dynalite/validations') as Validations;

/** The operations dynalite serves (its index.js's list), each with its checks and its action, loaded when first used. */
const OPERATIONS = new Set([
  'BatchGetItem',
  'BatchWriteItem',
  'CreateTable',
  'DeleteItem',
  'DeleteTable',
  'DescribeTable',
  'DescribeTimeToLive',
  'GetItem',
  'ListTables',
  'PutItem',
  'Query',
  'Scan',
  'TagResource',
  'UntagResource',
  'ListTagsOfResource',
  'UpdateItem',
  'UpdateTable',
]);
const API_VERSIONS = new Set(['DynamoDB_20111205', 'DynamoDB_20120810']);
const loaded = new Map<string, { action: Action; rules: ActionRules }>();

function operation(name: string): { action: Action; rules: ActionRules } {
  let op = loaded.get(name);
  if (!op) {
    const file = validations.toLowerFirst(name);
    op = {
      action: require(`dynalite/actions/${file}`) as Action,
      rules: require(`dynalite/validations/${file}`) as ActionRules,
    };
    loaded.set(name, op);
  }
  return op;
}

/** An answer in DynamoDB's JSON protocol: its status and its JSON text. */
export interface DynamoAnswer {
  status: number;
  body: string;
}

const fault = (status: number, type: string, message?: string): DynamoAnswer => ({
  status,
  body: JSON.stringify({ __type: `com.amazon.coral.service#${type}`, ...(message ? { message } : {}) }),
});

const utf8 = new TextDecoder();

/** The SDK's request, as far as it is read here (`@smithy/types`' HttpRequest). */
interface SdkRequest {
  headers: Record<string, string>;
  body?: unknown;
}

/**
 * An SDK request handler (`requestHandler` of a DynamoDB client) that answers from dynalite's store in this process.
 * Answers exactly as dynalite's HTTP server would, after its signature checks: its validation errors, its
 * conditional-check failures, its results.
 */
export class InProcessDynamoDb {
  readonly metadata = { handlerProtocol: 'in-process' };
  constructor(private readonly store: DynaliteStore) {}

  /** One request: `target` is `X-Amz-Target` (`DynamoDB_20120810.PutItem`), `text` its JSON body. */
  dispatch(target: string, text: string): Promise<DynamoAnswer> {
    const [api, name = ''] = target.split('.');
    if (!API_VERSIONS.has(api ?? '') || !OPERATIONS.has(name))
      return Promise.resolve(fault(400, 'UnknownOperationException'));
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      return Promise.resolve(fault(400, 'SerializationException'));
    }
    const { action, rules } = operation(name);
    try {
      data = validations.checkTypes(data, rules.types);
      validations.checkValidations(data, rules.types, rules.custom, this.store);
    } catch (error) {
      const e = error as DynaliteError;
      if (e.statusCode) return Promise.resolve({ status: e.statusCode, body: JSON.stringify(e.body) });
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      action(this.store, data, (err, result) => {
        if (err?.statusCode) resolve({ status: err.statusCode, body: JSON.stringify(err.body) });
        else if (err) reject(err);
        else resolve({ status: 200, body: JSON.stringify(result) });
      });
    });
  }

  /** The SDK's side: its serialized request in, a response its deserializer reads out. */
  async handle(
    request: SdkRequest,
  ): Promise<{ response: { statusCode: number; headers: Record<string, string>; body: Uint8Array } }> {
    const target = request.headers['x-amz-target'] ?? request.headers['X-Amz-Target'] ?? '';
    // The SDK's serializer writes its JSON as bytes (a Uint8Array whose string methods warn when used): read as UTF-8.
    const body = request.body;
    const text = typeof body === 'string' ? body : body instanceof Uint8Array ? utf8.decode(body) : '';
    const answer = await this.dispatch(target, text);
    return {
      response: {
        statusCode: answer.status,
        headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': requestId() },
        body: Buffer.from(answer.body),
      },
    };
  }

  updateHttpClientConfig(): void {}

  httpHandlerConfigs(): Record<string, never> {
    return {};
  }

  /** The database closed once the operations it has begun are done. */
  close(): Promise<void> {
    return this.store.lifecycleManager.gracefulClose();
  }
}

/** A request id as DynamoDB's look (52 characters). */
function requestId(): string {
  return randomBytes(39).toString('base64').toUpperCase().replace(/[+/]/g, '0');
}

const MAX_REQUEST_BYTES = 16 * 1024 * 1024;

/** dynalite's HTTP door, for other processes and tools: the same dispatch (their signatures are not checked). */
export async function answerHttp(db: InProcessDynamoDb, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_REQUEST_BYTES) {
        res.writeHead(413).end();
        return;
      }
      chunks.push(chunk as Buffer);
    }
  } catch {
    return;
  }
  res.setHeader('x-amzn-RequestId', requestId());
  if (req.method === 'GET') {
    res.end('healthy: dynamodb.us-east-1.amazonaws.com ');
    return;
  }
  let answer: DynamoAnswer;
  try {
    answer =
      req.method === 'POST'
        ? await db.dispatch(String(req.headers['x-amz-target'] ?? ''), Buffer.concat(chunks).toString())
        : fault(404, 'UnknownOperationException');
  } catch (error) {
    answer = fault(500, 'InternalFailure', (error as Error).message);
  }
  res.writeHead(answer.status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(answer.body),
  });
  res.end(answer.body);
}
