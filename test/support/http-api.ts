import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { API_ROUTES } from '../../shared/config/api-routes';
import type { WarmFunction } from './lambda-host';
import { httpApiEvent } from './lambda-events';

type LambdaAnswer = { statusCode: number; headers?: Record<string, string>; body?: string; isBase64Encoded?: boolean };

/**
 * API Gateway's HTTP API in front of the API functions, as the stack configures it: each route of API_ROUTES to its
 * function, a JWT authorizer (the issuer's keys, its `iss`, and `aud` or `client_id` one of `audience`, as API
 * Gateway's) that answers 401 itself, and the verified claims in the event (payload 2.0); a public route (the health
 * check, the API's description, a session's own activity report) with no authorizer, as the stack's.
 */
export async function startHttpApi(options: {
  functions: Record<string, WarmFunction>;
  issuer: string;
  jwksUrl: string;
  audience: string[];
}): Promise<{ url: string; close(): Promise<void> }> {
  const keys = createRemoteJWKSet(new URL(options.jwksUrl));
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
      const token = /^Bearer (.+)$/i.exec(String(req.headers.authorization ?? ''))?.[1];
      // A public route has no authorizer (HttpNoneAuthorizer): its function judges the caller, and gets no claims.
      let claims: Record<string, unknown> | null = null;
      if (!route.public)
        try {
          ({ payload: claims } = await jwtVerify(token ?? '', keys, { issuer: options.issuer }));
          const audiences = [claims.aud, claims.client_id].flat().filter(Boolean);
          if (!audiences.some((a) => options.audience.includes(String(a)))) throw new Error('audience');
        } catch {
          return answer(401, 'Unauthorized');
        }
      const headers = Object.fromEntries(
        Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : String(v)]),
      );
      const body = Buffer.concat(chunks).toString();
      // API Gateway passes claims as strings; Cognito's groups as "[a b]".
      const stringClaims =
        claims &&
        Object.fromEntries(
          Object.entries(claims).map(([k, v]) => [k, Array.isArray(v) ? `[${v.join(' ')}]` : String(v)]),
        );
      const event = httpApiEvent(req.method!, url.pathname, {
        claims: stringClaims,
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
