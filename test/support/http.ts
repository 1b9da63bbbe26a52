import { request } from 'node:http';

/** A GET with exactly these headers (fetch adds and drops some, e.g. Sec-Fetch-Mode). */
export function rawGet(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return rawRequest('GET', url, headers);
}

/**
 * A request with exactly this method, headers and path, sent as written: fetch (and curl) resolve
 * dot segments before sending, as an attacker's own client would not.
 */
export function rawRequest(
  method: string,
  url: string,
  headers: Record<string, string>,
  rawPath?: string,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, ...(rawPath ? { path: rawPath } : {}) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.once('error', reject);
    req.end();
  });
}
