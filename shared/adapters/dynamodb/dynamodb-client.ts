import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { InProcessDynamoDb } from './in-process-dynamodb';

export interface DynamoConnection {
  /** A local endpoint (dynalite, DynamoDB Local, LocalStack); undefined: AWS. */
  endpoint?: string | undefined;
  region: string;
  /** The embedded store in this process: reached directly, with no socket and no signature (`endpoint` unused). */
  embedded?: InProcessDynamoDb | undefined;
}

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** A document client; with a local endpoint, fixed dummy credentials so no AWS profile is needed. */
export function createDocumentClient(connection: DynamoConnection): DynamoDBDocumentClient {
  const local: DynamoDBClientConfig = connection.embedded
    ? {
        endpoint: 'http://embedded.invalid',
        credentials: LOCAL_CREDENTIALS,
        requestHandler: connection.embedded as unknown as DynamoDBClientConfig['requestHandler'],
        // Nobody checks a signature in this process: none is computed.
        signer: { sign: async (request) => request },
      }
    : connection.endpoint
      ? { endpoint: connection.endpoint, credentials: LOCAL_CREDENTIALS }
      : {};
  const client = new DynamoDBClient({ region: connection.region, ...local, maxAttempts: 5 });
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}
