import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface DynamoConnection {
  /** A local endpoint (dynalite, DynamoDB Local, LocalStack); undefined: AWS. */
  endpoint?: string | undefined;
  region: string;
}

/** A document client; with a local endpoint, fixed dummy credentials so no AWS profile is needed. */
export function createDocumentClient(connection: DynamoConnection): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    region: connection.region,
    ...(connection.endpoint
      ? { endpoint: connection.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : {}),
    maxAttempts: 5,
  });
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}
