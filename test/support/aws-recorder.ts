import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One AWS API call as the SDK sent it, with moto's (or the store's) answer. */
export interface RecordedCall {
  /** The access key that signed it (a task's role, where several principals share one recorder). */
  accessKeyId: string;
  /** The signing name from the request's credential scope: ecs, dynamodb, kms, ecr, elasticfilesystem, logs… */
  service: string;
  /** The API operation: RunTask, GetItem, CreateAccessPoint… */
  operation: string;
  input: Record<string, unknown>;
  status: number;
  output: Record<string, unknown>;
}

/** EFS speaks REST: its operations by method and path (only those this project calls). */
const EFS_OPERATIONS: [string, RegExp, string][] = [
  ['POST', /^\/2015-02-01\/access-points$/, 'CreateAccessPoint'],
  ['GET', /^\/2015-02-01\/access-points$/, 'DescribeAccessPoints'],
];

function operationOf(req: IncomingMessage, service: string): string {
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string') return target.split('.').at(-1)!;
  const url = new URL(req.url ?? '/', 'http://x');
  if (service === 'elasticfilesystem')
    for (const [method, path, operation] of EFS_OPERATIONS)
      if (req.method === method && path.test(url.pathname)) return operation;
  return `${req.method} ${url.pathname}`;
}

function parse(text: string): Record<string, unknown> {
  try {
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    return { raw: text.slice(0, 2000) };
  }
}

/**
 * A recording stand-in for AWS's endpoints: every request is passed on unchanged (DynamoDB's to `dynamodb`, the rest to
 * `moto`), and each call (who made it is which recorder it reached: one per function) kept with its answer.
 */
export async function startAwsRecorder(upstreams: {
  moto: string;
  dynamodb: string;
}): Promise<{ endpoint: string; calls: RecordedCall[]; close(): Promise<void> }> {
  const calls: RecordedCall[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const scope = /Credential=([^/]+)\/\d+\/[^/]+\/([^/]+)\//.exec(String(req.headers.authorization ?? ''));
      const service = scope?.[2] ?? 'unknown';
      const operation = operationOf(req, service);
      const url = new URL(req.url ?? '/', 'http://x');
      const input = {
        ...Object.fromEntries(url.searchParams),
        ...parse(body.toString()),
      };
      const upstream = new URL(service === 'dynamodb' ? upstreams.dynamodb : upstreams.moto);
      const forward = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          // The Host header as signed (moto checks SigV4 signatures when IAM is enforced).
          headers: req.headers,
        },
        (answer) => {
          const out: Buffer[] = [];
          answer.on('data', (c: Buffer) => out.push(c));
          answer.on('end', () => {
            const text = Buffer.concat(out);
            calls.push({
              accessKeyId: scope?.[1] ?? '',
              service,
              operation,
              input,
              status: answer.statusCode ?? 0,
              output: parse(text.toString()),
            });
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.end(text);
          });
        },
      );
      forward.on('error', () => res.writeHead(502).end());
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
