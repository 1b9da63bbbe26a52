import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';

/*
 * dynalite reached in this process. The HTTP server dynalite ships parses each request's headers, checks that it is
 * signed, parses its JSON, checks its types and rules and runs the action on the store. This process's own clients
 * need only the last two (`call`, through in-process-document-client.ts): no socket, no JSON, no signature (there
 * is no one to check it). Other processes and tools still reach it over HTTP (`answerHttp`: the same checks and
 * actions). A launch and its stop make about twenty store calls; each used to cost an HTTP round trip on loopback,
 * a signature and the SDK's whole path both ways (#39).
 */

import type { TableRecords } from './table-record-cache';

const require = createRequire(import.meta.url);

/** dynalite's store (`dynalite/db`'s `create`): its LevelDB, table records and lifecycle. */
export interface DynaliteStore {
  lifecycleManager: { gracefulClose(): Promise<void> };
  tableDb: TableRecords;
}

export interface DynaliteError extends Error {
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

/** DynamoDB's refusal, as dynalite raises it: an HTTP status and DynamoDB's body (`{__type, message}`). */
function refusal(statusCode: number, type: string): DynaliteError {
  return Object.assign(new Error(type), { statusCode, body: { __type: `com.amazon.coral.service#${type}` } });
}

/**
 * dynalite's store reached in this process: an operation and its request as DynamoDB's JSON protocol has it (attribute
 * values marshalled), checked and run exactly as dynalite's HTTP server does after its signature checks. Its
 * refusals (validation, a failed condition) reject with their `statusCode` and `body`.
 */
export class InProcessDynamoDb {
  constructor(private readonly store: DynaliteStore) {}

  call(name: string, request: unknown): Promise<unknown> {
    if (!OPERATIONS.has(name)) return Promise.reject(refusal(400, 'UnknownOperationException'));
    const { action, rules } = operation(name);
    let data: unknown;
    try {
      data = validations.checkTypes(request, rules.types);
      validations.checkValidations(data, rules.types, rules.custom, this.store);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      action(this.store, data, (err, result) => (err ? reject(err) : resolve(result)));
    });
  }

  /** One request of the wire: `target` is `X-Amz-Target` (`DynamoDB_20120810.PutItem`), `text` its JSON body. */
  async dispatch(target: string, text: string): Promise<DynamoAnswer> {
    const [api, name = ''] = target.split('.');
    if (!API_VERSIONS.has(api ?? '')) return answer(refusal(400, 'UnknownOperationException'));
    let request: unknown;
    try {
      request = JSON.parse(text);
    } catch {
      return answer(refusal(400, 'SerializationException'));
    }
    try {
      return { status: 200, body: JSON.stringify(await this.call(name, request)) };
    } catch (error) {
      if ((error as DynaliteError).statusCode) return answer(error as DynaliteError);
      throw error;
    }
  }

  /** The database closed once the operations it has begun are done. */
  close(): Promise<void> {
    return this.store.lifecycleManager.gracefulClose();
  }
}

const answer = (error: DynaliteError): DynamoAnswer => ({
  status: error.statusCode ?? 500,
  body: JSON.stringify(error.body),
});

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
  let reply: DynamoAnswer;
  try {
    reply =
      req.method === 'POST'
        ? await db.dispatch(String(req.headers['x-amz-target'] ?? ''), Buffer.concat(chunks).toString())
        : { status: 404, body: '<UnknownOperationException/>' };
  } catch (error) {
    reply = { status: 500, body: JSON.stringify({ __type: 'InternalFailure', message: (error as Error).message }) };
  }
  res.writeHead(reply.status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(reply.body),
  });
  res.end(reply.body);
}
