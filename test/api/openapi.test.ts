import { validate } from '@readme/openapi-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppListSchema } from '../../functions/api/views/app-schemas';
import { ProblemSchema } from '../../functions/api/views/problem';
import { SessionListSchema, SessionViewSchema } from '../../functions/api/views/session-schemas';
import { fixtureApp } from '../support/apps';
import { startTestPlane, type TestPlane } from '../support/plane';

const NATIVE = /^\/(sessions|apps|homes|pools|usage|tokens|healthz|openapi\.json)(\/|$)/;

describe('OpenAPI 3.1 document of the native API', () => {
  let plane: TestPlane;
  let doc: { openapi: string; paths: Record<string, Record<string, unknown>> };
  beforeAll(async () => {
    plane = await startTestPlane({
      web: fixtureApp([], { params: { MODE: { type: 'string', enum: ['fast'], maxLength: 8, required: false } } }),
    });
    const res = await plane.request('/openapi.json', { user: null });
    expect(res.status).toBe(200);
    doc = (await res.json()) as typeof doc;
  });
  afterAll(async () => plane?.dispose());

  it('is served without a credential and is valid OpenAPI 3.1', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const result = await validate(structuredClone(doc) as never);
    expect(result.valid, JSON.stringify((result as { errors?: unknown }).errors)).toBe(true);
  });

  it('covers exactly the native routes the app mounts', () => {
    const mounted = new Set(
      plane.app.routes
        .filter((r) => r.method !== 'ALL' && NATIVE.test(r.path))
        .map((r) => `${r.method} ${r.path.replace(/:(\w+)(\{[^}]*\})?/g, '{$1}').replace(/(.)\/$/, '$1')}`),
    );
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)),
    );
    expect([...documented].sort()).toEqual([...mounted].sort());
  });

  it('describes the shapes the API really answers with', async () => {
    const launched = await (
      await plane.request('/sessions', { method: 'POST', body: '{"app":"web","params":{"MODE":"fast"}}' })
    ).json();
    expect(SessionViewSchema.safeParse(launched).success).toBe(true);
    expect(SessionListSchema.safeParse(await (await plane.request('/sessions')).json()).success).toBe(true);
    expect(AppListSchema.safeParse(await (await plane.request('/apps')).json()).success).toBe(true);
    expect(
      ProblemSchema.safeParse(await (await plane.request('/sessions', { method: 'POST', body: '{}' })).json()).success,
    ).toBe(true);
    const schema = (
      doc.paths['/sessions']!.post as {
        requestBody: {
          content: { 'application/json': { schema: { required: string[]; additionalProperties: boolean } } };
        };
      }
    ).requestBody.content['application/json'].schema;
    expect(schema).toMatchObject({ required: ['app'], additionalProperties: false }); // the launch body, from LaunchBodySchema
  });
});
