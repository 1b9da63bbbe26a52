import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { API_ROUTES } from '../../shared/config/api-routes';
import type { WarmFunction } from './lambda-host';
import { httpApiEvent } from './lambda-events';

type LambdaAnswer = { statusCode: number; headers?: Record<string, string>; body?: string; isBase64Encoded?: boolean };

/**
 * API Gateway's HTTP API in front of the API functions, as the stack configures it: each route of API_ROUTES to its
 * function, with no authorizer (each function verifies its caller's JWT or personal token itself), the request as a
 * payload 2.0 event.
 */
export async function startHttpApi(options: {
  functions: Record<string, WarmFunction>;
}): Promise<{ url: string; close(): Promise<void> }> {
  const routes = API_ROUTES.map((r) => ({
    ...r,
    pattern: new RegExp(`^${r.path.replace(/\{proxy\+\}/, '.+').replace(/\{[^}]+\}/g, '[^/]+')}/?$`),
  }));
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const url = new URL(req.url ?? '/', 'http://api');
      const route = routes.find((r) => r.method === req.method && r.pattern.test(url.pathname));
      const answer = (status: number, message: string) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ message }));
      if (!route) return answer(404, 'Not Found');
      const headers = Object.fromEntries(
        Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : String(v)]),
      );
      const body = Buffer.concat(chunks).toString();
      const event = httpApiEvent(req.method!, url.pathname, {
        claims: null,
        headers,
        query: url.search.slice(1),
        ...(body ? { body } : {}),
      });
      const out = await options.functions[route.fn]!.invoke<LambdaAnswer>(event);
      res.writeHead(out.statusCode, out.headers ?? {});
      res.end(out.isBase64Encoded ? Buffer.from(out.body ?? '', 'base64') : (out.body ?? ''));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
