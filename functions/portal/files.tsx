/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import { type Context, Hono } from 'hono';
import { homePathOfUrl, type HomeEntry, type HomeUsage } from '../../shared/domain/home-files';
import type { SignedIn } from './api-client';
import { callApi } from './api-client';
import type { PortalDeps, PortalKit } from './kit';
import { Layout, PostButton } from './pages';

const FILES_PAGE = '/portal/files';
/** A path's segments, each encoded for a URL. */
const encoded = (segments: string[]) => segments.map(encodeURIComponent).join('/');

/**
 * A person's home (#38, Open OnDemand's Files app): a folder's files and folders, each file a download, upload (the
 * script sends the file to the API as it is read, `PUT /homes/me/files/…`), delete, and what the home holds against
 * its quota. Every datum is the API's, called as the signed-in user; a session need not run.
 */
export function fileRoutes(deps: PortalDeps, kit: PortalKit): Hono {
  const app = new Hono();
  const { signedIn, page, sameSite, toSignIn, failed, formFrom } = kit;
  const files = deps.files ?? deps.api;

  const show = async (c: Context) => {
    const me = await signedIn(c);
    if (!me) return toSignIn(c);
    let segments: string[];
    try {
      segments = homePathOfUrl(new URL(c.req.url).pathname.slice(FILES_PAGE.length));
    } catch (error) {
      return failed(c, me, { status: 400, data: { detail: (error as Error).message } }, 'Files');
    }
    const listed = await callApi<{ entries: HomeEntry[]; usage: HomeUsage }>(
      files,
      me,
      'GET',
      `/homes/me/files/${encoded(segments)}`,
    );
    if (!listed.ok) return failed(c, me, listed, 'Files');
    if (!('entries' in (listed.data as object))) return c.redirect(`/homes/me/files/${encoded(segments)}`, 303); // a file: its download
    return page(c, <FilesPage me={me} path={segments} entries={listed.data.entries} usage={listed.data.usage} />);
  };
  app.get(FILES_PAGE, show);
  app.get(`${FILES_PAGE}/*`, show);
  app.post(`${FILES_PAGE}/delete`, sameSite, async (c) => {
    const me = await signedIn(c);
    if (!me) return toSignIn(c);
    const form = await formFrom(c, me);
    if (!form)
      return failed(c, me, { status: 403, data: { detail: 'That form was not from this page: open Files again.' } });
    const path = typeof form.path === 'string' ? form.path.split('/').filter(Boolean) : [];
    const gone = await callApi(files, me, 'DELETE', `/homes/me/files/${encoded(path)}`);
    if (!gone.ok && gone.status !== 404) return failed(c, me, gone, 'Files');
    return c.redirect(`${FILES_PAGE}/${encoded(path.slice(0, -1))}`, 303);
  });
  return app;
}

/** Bytes as a person reads them. */
function size(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let n = bytes;
  let u = 0;
  while (n >= 1024 && u < units.length - 1) {
    n /= 1024;
    u++;
  }
  return u === 0 ? `${n} ${n === 1 ? 'byte' : 'bytes'}` : `${n < 10 ? n.toFixed(1) : Math.round(n)} ${units[u]}`;
}

function FilesPage(props: { me: SignedIn; path: string[]; entries: HomeEntry[]; usage: HomeUsage }) {
  const { me, path, usage } = props;
  const here = path.join('/');
  const share = usage.quotaBytes ? Math.min(100, Math.round((usage.bytes / usage.quotaBytes) * 100)) : 0;
  return (
    <Layout title="Files" principal={me.principal} csrf={me.csrf}>
      <h1>Files</h1>
      <nav aria-label="Folder" class="crumbs">
        <a href={FILES_PAGE}>Home</a>
        {path.map((name, i) => (
          <>
            {' / '}
            <a href={`${FILES_PAGE}/${encoded(path.slice(0, i + 1))}`}>{name}</a>
          </>
        ))}
      </nav>
      <p class="meta">
        <meter min="0" max="100" value={share} aria-label="Home used" /> {size(usage.bytes)} of {size(usage.quotaBytes)}{' '}
        used. Your sessions see these files in their home.
      </p>
      <form class="upload card" data-path={here} aria-label="Upload files">
        <label for="upload-files">Upload to {here ? `/${here}` : 'your home'}</label>
        <input id="upload-files" name="files" type="file" multiple required />
        <button type="submit">Upload</button>
        <output class="upload-status" />
      </form>
      <FileTable me={me} path={path} entries={props.entries} />
    </Layout>
  );
}

function FileTable(props: { me: SignedIn; path: string[]; entries: HomeEntry[] }) {
  const { me, path } = props;
  const here = path.join('/');
  if (!props.entries.length) return <p class="meta">Nothing here yet.</p>;
  return (
    <div class="scroll">
      <table class="files">
        <caption>{here ? `/${here}` : 'Your home'}</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Size</th>
            <th scope="col">Changed</th>
            <th scope="col">
              <span class="visually-hidden">Delete</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {props.entries.map((e) => {
            const at = [...path, e.name];
            return (
              <tr>
                <td>
                  {e.type === 'folder' ? (
                    <a href={`${FILES_PAGE}/${encoded(at)}`}>{`${e.name}/`}</a>
                  ) : (
                    <a href={`/homes/me/files/${encoded(at)}`} download={e.name}>
                      {e.name}
                    </a>
                  )}
                </td>
                <td>{e.size === undefined ? '' : size(e.size)}</td>
                <td>{e.modifiedAt.slice(0, 16).replace('T', ' ')}</td>
                <td>
                  <PostButton
                    action={`${FILES_PAGE}/delete`}
                    csrf={me.csrf}
                    fields={{ path: at.join('/') }}
                    label={`Delete ${e.name}`}
                  >
                    Delete
                  </PostButton>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
