import * as z from 'zod';
import { id, appName, type Method, type Operation, OPERATIONS } from './openapi-operations';
import { ProblemSchema } from './views/problem';

const json = (schema: z.ZodType) => {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return rest;
};

function queryParameters(query: z.ZodObject | undefined) {
  if (!query) return [];
  const schema = json(query) as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(schema.properties ?? {}).map(([name, s]) => ({
    name,
    in: 'query',
    required: (schema.required ?? []).includes(name),
    schema: s,
  }));
}

/** The OpenAPI 3.1 document of the native API, from the same zod schemas the routes parse with. */
// Over 60 lines: builds the document from the operation table, one block per part of an operation.
export function openApiDocument(serverUrl: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [path, methods] of Object.entries(OPERATIONS)) {
    paths[path] = {};
    for (const [method, op] of Object.entries(methods) as [Method, Operation][]) {
      const problem = {
        description: 'A problem (RFC 9457)',
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
      };
      paths[path][method] = {
        summary: op.summary,
        operationId: `${method}${path
          .replace(/[{}]/g, '')
          .split(/[/.]/)
          .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
          .join('')}`,
        ...(op.auth === false ? { security: [] } : {}),
        parameters: [
          ...(path.includes('{id}') ? [id] : []),
          ...(path.includes('{name}') ? [appName] : []),
          ...(path.includes('{app}') ? [{ ...appName, name: 'app' }] : []),
          ...(path.includes('{group}')
            ? [{ name: 'group', in: 'path', required: true, schema: { type: 'string', pattern: '^[0-9a-f]{16}$' } }]
            : []),
          ...(path.includes('{path}')
            ? [
                {
                  name: 'path',
                  in: 'path',
                  required: true,
                  description: 'A path in your home; may hold `/`',
                  schema: { type: 'string' },
                },
              ]
            : []),
          ...(path.includes('{shareId}')
            ? [{ name: 'shareId', in: 'path', required: true, schema: { type: 'string', pattern: '^[0-9a-f]{16}$' } }]
            : []),
          ...queryParameters(op.query),
          ...(method === 'post' && path === '/sessions'
            ? [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 255 } }]
            : []),
        ],
        ...(op.rawBody
          ? {
              requestBody: {
                required: true,
                content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
              },
            }
          : {}),
        ...(op.body
          ? { requestBody: { required: !op.bodyOptional, content: { 'application/json': { schema: json(op.body) } } } }
          : {}),
        responses: {
          [op.ok.status]: {
            description: 'OK',
            ...(op.ok.image
              ? {
                  content: {
                    'image/png': { schema: { type: 'string', format: 'binary' } },
                    'image/svg+xml': { schema: { type: 'string' } },
                  },
                }
              : op.ok.text
                ? { content: { 'text/plain': { schema: { type: 'string' } } } }
                : op.ok.schema
                  ? { content: { 'application/json': { schema: json(op.ok.schema) } } }
                  : {}),
          },
          ...Object.fromEntries(op.errors.map((status) => [status, problem])),
        },
      };
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Sessionplane',
      version: '0.1.0',
      description:
        'One running copy of an interactive web app per user. Errors are application/problem+json with a stable `code`.',
    },
    servers: [{ url: serverUrl }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: "A local token (npm start prints the admin's), or a JWT from the configured issuer",
        },
      },
      schemas: { Problem: json(ProblemSchema) },
    },
    paths,
  };
}

/**
 * Every documented answer that has a JSON shape: `METHOD /path`, its status and its schema (tests ask each for real).
 */
export function documentedReplies(): { route: string; status: number; schema: z.ZodType }[] {
  return Object.entries(OPERATIONS).flatMap(([path, methods]) =>
    (Object.entries(methods) as [Method, Operation][]).flatMap(([method, op]) =>
      op.ok.schema ? [{ route: `${method.toUpperCase()} ${path}`, status: op.ok.status, schema: op.ok.schema }] : [],
    ),
  );
}
