import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBServiceException,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynaliteError, InProcessDynamoDb } from './in-process-dynamodb';

/*
 * The document client of the local server's embedded store: the commands its adapters send (lib-dynamodb's Get, Put,
 * Update, Delete, Query, Scan, BatchGet, and the table's Create/Describe/UpdateTimeToLive) go to dynalite in this
 * process as the wire would carry them (attribute values marshalled as lib-dynamodb marshals them), and come back
 * unmarshalled, with DynamoDB's errors as the SDK's exceptions. No SDK middleware stack, no JSON both ways, no
 * request signature: a launch makes about twenty store calls, and the SDK's path cost each more than the store did
 * (#39). Adapters are unchanged: they see a DynamoDBDocumentClient; the store contracts run on both.
 */

type Doc = Record<string, unknown>;
type Wire = Record<string, unknown>;

const toWire = (value: unknown) => marshall(value as Doc, { removeUndefinedValues: true });
const fromWire = (value: unknown) => unmarshall(value as Parameters<typeof unmarshall>[0]);

/** The fields of an input that hold documents (marshalled on the way in). */
function marshalled(input: Doc, fields: string[]): Wire {
  const out: Wire = { ...input };
  for (const f of fields) if (out[f] !== undefined) out[f] = toWire(out[f]);
  return out;
}

/** The fields of an output that hold items (unmarshalled on the way out); lists of items for `many`. */
function unmarshalled(output: Wire, one: string[], many: string[] = []): Doc {
  const out: Doc = { ...output };
  for (const f of one) if (out[f] !== undefined) out[f] = fromWire(out[f]);
  for (const f of many) if (Array.isArray(out[f])) out[f] = (out[f] as unknown[]).map(fromWire);
  return out;
}

interface Operation {
  op: string;
  input(input: Doc): Wire;
  output(output: Wire): Doc;
}

const same = (x: Doc) => x;
const itemsOut = (o: Wire) => unmarshalled(o, ['LastEvaluatedKey'], ['Items']);

/** Each command the adapters send, by its class: DynamoDB's operation, and its documents' fields. */
const OPERATIONS = new Map<unknown, Operation>([
  [GetCommand, { op: 'GetItem', input: (i) => marshalled(i, ['Key']), output: (o) => unmarshalled(o, ['Item']) }],
  [
    PutCommand,
    {
      op: 'PutItem',
      input: (i) => marshalled(i, ['Item', 'ExpressionAttributeValues']),
      output: (o) => unmarshalled(o, ['Attributes']),
    },
  ],
  [
    UpdateCommand,
    {
      op: 'UpdateItem',
      input: (i) => marshalled(i, ['Key', 'ExpressionAttributeValues']),
      output: (o) => unmarshalled(o, ['Attributes']),
    },
  ],
  [
    DeleteCommand,
    {
      op: 'DeleteItem',
      input: (i) => marshalled(i, ['Key', 'ExpressionAttributeValues']),
      output: (o) => unmarshalled(o, ['Attributes']),
    },
  ],
  [
    QueryCommand,
    { op: 'Query', input: (i) => marshalled(i, ['ExpressionAttributeValues', 'ExclusiveStartKey']), output: itemsOut },
  ],
  [
    ScanCommand,
    { op: 'Scan', input: (i) => marshalled(i, ['ExpressionAttributeValues', 'ExclusiveStartKey']), output: itemsOut },
  ],
  [
    BatchGetCommand,
    {
      op: 'BatchGetItem',
      input: (i) => ({
        ...i,
        RequestItems: Object.fromEntries(
          Object.entries(i.RequestItems as Record<string, Doc>).map(([table, r]) => [
            table,
            { ...r, Keys: (r.Keys as Doc[]).map(toWire) },
          ]),
        ),
      }),
      output: (o) => ({
        ...o,
        Responses: Object.fromEntries(
          Object.entries((o.Responses ?? {}) as Record<string, Wire[]>).map(([t, items]) => [t, items.map(fromWire)]),
        ),
        UnprocessedKeys: Object.fromEntries(
          Object.entries((o.UnprocessedKeys ?? {}) as Record<string, Wire>).map(([t, r]) => [
            t,
            { ...r, Keys: (r.Keys as Wire[]).map(fromWire) },
          ]),
        ),
      }),
    },
  ],
  [CreateTableCommand, { op: 'CreateTable', input: same, output: same }],
  [DescribeTableCommand, { op: 'DescribeTable', input: same, output: same }],
  [UpdateTimeToLiveCommand, { op: 'UpdateTimeToLive', input: same, output: same }],
]);

/** DynamoDB's error (dynalite's body: `{__type: '…#Name', message}`) as the SDK would raise it. */
function sdkError(error: DynaliteError): Error {
  const body = (error.body ?? {}) as { __type?: string; message?: string; Message?: string; Item?: Wire };
  const name = body.__type?.split('#')[1] ?? 'InternalServerError';
  const message = body.message ?? body.Message ?? name;
  const $metadata = { httpStatusCode: error.statusCode ?? 500 };
  if (name === 'ConditionalCheckFailedException')
    return new ConditionalCheckFailedException({
      $metadata,
      message,
      ...(body.Item ? { Item: body.Item as never } : {}),
    });
  if (name === 'ResourceInUseException') return new ResourceInUseException({ $metadata, message });
  if (name === 'ResourceNotFoundException') return new ResourceNotFoundException({ $metadata, message });
  return new DynamoDBServiceException({
    name,
    $fault: (error.statusCode ?? 500) >= 500 ? 'server' : 'client',
    $metadata,
    message,
  });
}

/** A DynamoDBDocumentClient, as far as the adapters use one (`send`, `destroy`), on the store in this process. */
class InProcessDocumentClient {
  constructor(private readonly db: InProcessDynamoDb) {}

  async send(command: { input: object; constructor: unknown }): Promise<unknown> {
    const operation = OPERATIONS.get(command.constructor);
    if (!operation)
      throw new Error(`${(command.constructor as { name?: string }).name} is not sent to the embedded store`);
    let output: Wire;
    try {
      output = (await this.db.call(operation.op, operation.input(command.input as Doc))) as Wire;
    } catch (error) {
      const e = error as DynaliteError;
      throw e.statusCode ? sdkError(e) : error;
    }
    return { ...operation.output(output), $metadata: { httpStatusCode: 200 } };
  }

  destroy(): void {}
}

/** The embedded store's document client: the adapters' type, none of the SDK's path. */
export function inProcessDocumentClient(db: InProcessDynamoDb): DynamoDBDocumentClient {
  return new InProcessDocumentClient(db) as unknown as DynamoDBDocumentClient;
}
