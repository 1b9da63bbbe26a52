import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { withoutUrlPrefix } from '../http/url-prefix';
import { answerClientError, refuseUpgrade, refuseDotSegments, refuseWithoutHost } from '../router/respond';
import type { LocalPlane } from './compose';

export interface LocalServer {
  server: Server;
  /** e.g. http://127.0.0.1:8080 */
  url: string;
  /** Stops accepting, lets in-flight HTTP finish, closes sockets (1001), stops every session. */
  close(): Promise<void>;
}

/** A wslink launcher file's own `endpoint` (`/viz-launcher/`) is the launcher's `/paraview/`. */
function atLauncher(req: IncomingMessage, endpoint: string | undefined): void {
  const url = req.url ?? '/';
  if (endpoint && (url.startsWith(`/${endpoint}/`) || url === `/${endpoint}` || url.startsWith(`/${endpoint}?`)))
    req.url = `/paraview${url.slice(endpoint.length + 1)}`;
}

/** Serves the router's routes and the API on one port. */
export async function listenLocal(
  plane: LocalPlane,
  port: number,
  host: string,
  options: { maxHeaderBytes?: number } = {},
): Promise<LocalServer> {
  const api = getRequestListener(plane.app.fetch);
  const server = createServer(
    { maxHeaderSize: options.maxHeaderBytes ?? 16 * 1024, requireHostHeader: false },
    (req, res) => {
      if (refuseWithoutHost(req, res) || refuseDotSegments(req, res)) return;
      withoutUrlPrefix(req, plane.deps.urls.urlPrefix);
      atLauncher(req, plane.launcherEndpoint);
      if (!plane.router.handleRequest(req, res)) void api(req, res);
    },
  );
  server.on('clientError', answerClientError);
  server.on('upgrade', (req, socket, head) => {
    withoutUrlPrefix(req, plane.deps.urls.urlPrefix);
    if (!plane.router.handleUpgrade(req, socket, head))
      refuseUpgrade(
        socket,
        404,
        'route.not_found',
        'WebSockets go to session routes only.',
        (req.url ?? '/').split('?')[0]!,
      );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  plane.setPublicUrl(url);
  return {
    server,
    url,
    close: async () => {
      const closed = new Promise((r) => server.close(r));
      server.closeIdleConnections();
      await plane.close();
      server.closeAllConnections();
      await closed;
    },
  };
}
