import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { type Context, Hono } from 'hono';
import { DomainError } from '../../../shared/domain/errors';
import { homePathOfUrl } from '../../../shared/domain/home-files';
import type { HomeFiles } from '../../../shared/ports/home-files';
import type { ApiDeps, ApiEnv } from '../context';

const PREFIX = '/homes/me/files';

/**
 * Files served elsewhere (AWS: by the router service, whose task mounts the homes; a function has no such mount and
 * takes 6 MB at most): the same request, there. A 307 keeps the method and body; clients that follow it drop
 * Authorization to another host, so the answer says where, for a caller to send its credential there itself.
 */
function sentElsewhere(filesUrl: string): Hono<ApiEnv> {
  const base = filesUrl.replace(/\/+$/, '');
  return new Hono<ApiEnv>().all('*', (c) => {
    const url = new URL(c.req.url);
    const location = `${base}${PREFIX}${url.pathname.slice(url.pathname.indexOf(PREFIX) + PREFIX.length)}${url.search}`;
    c.header('location', location);
    return c.json(
      { location, detail: `Files are served at ${base}${PREFIX}/: send the request (and its credential) there.` },
      307,
    );
  });
}

/**
 * `/homes/me/files/<path>`: the caller's own home, whether or not a session runs (#38). GET lists a folder (JSON, with
 * the home's usage against its quota) or streams a file; PUT writes one whole from the body, streamed (never held in
 * memory), within the upload limit and the quota; DELETE removes a file or an empty folder. Paths are checked by the
 * domain (homePath); the adapter refuses links on the way. Visitors have no home.
 */
export function homeFileRoutes(
  deps: Pick<ApiDeps, 'homeFiles' | 'maxUploadBytes' | 'filesUrl'>,
  method: 'read' | 'write',
): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  if (!deps.homeFiles && deps.filesUrl) return sentElsewhere(deps.filesUrl);
  const filesOf = (c: { var: { principal: { visitor?: true } } }): HomeFiles => {
    if (c.var.principal.visitor) throw new DomainError('auth.forbidden', 'Visitors have no home: sign in first.');
    if (!deps.homeFiles)
      throw new DomainError('files.unavailable', 'This deployment does not offer files through the API yet.');
    return deps.homeFiles;
  };
  const pathOf = (url: string) => homePathOfUrl(new URL(url).pathname.slice(PREFIX.length));

  // `/` is the home itself, `/:path{.+}` anything in it (the path is read whole from the URL, then checked).
  if (method === 'read') {
    const get = async (c: Context<ApiEnv>) => {
      const files = filesOf(c);
      const path = pathOf(c.req.url);
      const entries = await files.list(c.var.principal.user, path);
      if (entries) return c.json({ path: path.join('/'), entries, usage: await files.usage(c.var.principal.user) });
      const file = await files.read(c.var.principal.user, path);
      c.header('content-type', 'application/octet-stream');
      c.header('content-length', String(file.size));
      c.header('last-modified', new Date(file.modifiedAt).toUTCString());
      c.header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(path.at(-1)!)}`);
      c.header('x-content-type-options', 'nosniff');
      c.header('cache-control', 'private, no-store');
      return c.body(Readable.toWeb(file.stream) as unknown as ReadableStream<Uint8Array>);
    };
    app.get('/', get);
    app.get('/:path{.+}', get);
  } else {
    app.put('/:path{.+}', async (c) => {
      const files = filesOf(c);
      const path = pathOf(c.req.url);
      const declared = Number(c.req.header('content-length') ?? Number.NaN);
      if (declared > deps.maxUploadBytes)
        throw new DomainError(
          'request.too_large',
          `The file is larger than ${deps.maxUploadBytes} bytes, the most one upload may be.`,
          {
            details: { maxBytes: deps.maxUploadBytes },
          },
        );
      const body = c.req.raw.body
        ? Readable.fromWeb(c.req.raw.body as unknown as NodeReadableStream<Uint8Array>)
        : Readable.from([]);
      const written = await files.write(c.var.principal.user, path, body, deps.maxUploadBytes);
      c.header('location', `${PREFIX}/${path.map(encodeURIComponent).join('/')}`);
      return c.json({ path: path.join('/'), size: written.size }, written.created ? 201 : 200);
    });
    app.delete('/:path{.+}', async (c) => {
      await filesOf(c).remove(c.var.principal.user, pathOf(c.req.url));
      return c.body(null, 204);
    });
  }
  return app;
}
