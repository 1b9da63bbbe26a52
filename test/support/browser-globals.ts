import { createRequire } from 'node:module';
import WebSocket from 'ws';

/**
 * Just enough of a browser for wslink's published bundle in Node: window.location,
 * document.baseURI, XMLHttpRequest (over fetch) and WebSocket (the ws package, which supports
 * the "blob" binaryType wslink asks for). The Chromium test runs the same bundle for real.
 */
class FetchXMLHttpRequest {
  status = 0;
  response: unknown = null;
  responseType = '';
  onload: ((e: unknown) => void) | undefined;
  onerror: ((e: unknown) => void) | undefined;
  private method = 'GET';
  private url = '';
  private readonly headers: Record<string, string> = {};
  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name] = value;
  }
  send(body?: string) {
    fetch(this.url, { method: this.method, headers: this.headers, ...(body === undefined ? {} : { body }) }).then(
      async (res) => {
        this.status = res.status;
        const text = await res.text();
        this.response = this.responseType === 'json' ? (text ? (JSON.parse(text) as unknown) : null) : text;
        this.onload?.({});
      },
      (error: unknown) => this.onerror?.(error),
    );
  }
}

interface Wslink {
  SmartConnect: {
    newInstance(options: { config: Record<string, unknown> }): {
      onConnectionReady(
        cb: (connection: { getSession(): { call(method: string, args?: unknown[]): Promise<unknown> } }) => void,
      ): void;
      onConnectionError(cb: (connection: unknown, error: unknown) => void): void;
      connect(): void;
      destroy(): void;
    };
  };
}

/** Loads wslink's browser bundle (the one trame ships) as if on a page at `pageUrl`. */
function loadWslink(pageUrl: string): Wslink {
  const g = globalThis as Record<string, unknown>;
  g.self = globalThis;
  g.window = { location: new URL(pageUrl) };
  g.document = { baseURI: pageUrl };
  g.XMLHttpRequest = FetchXMLHttpRequest;
  g.WebSocket = WebSocket;
  const require = createRequire(import.meta.url);
  return require('wslink/dist/wslink.js') as Wslink;
}

/**
 * A wslink client's session as the page's SmartConnect makes it (`config`: a launcher to ask, or a sessionURL and its
 * secret), once connected; `destroy` closes it.
 */
export async function smartConnect(
  pageUrl: string,
  config: Record<string, unknown>,
): Promise<{ call(method: string, args?: unknown[]): Promise<unknown>; destroy(): void }> {
  const smart = loadWslink(pageUrl).SmartConnect.newInstance({ config });
  const session = await new Promise<{ call(method: string, args?: unknown[]): Promise<unknown> }>((resolve, reject) => {
    smart.onConnectionReady((connection) => resolve(connection.getSession()));
    smart.onConnectionError((_c, error) => reject(new Error(`connection error: ${JSON.stringify(error)}`)));
    smart.connect();
  });
  return { call: (method, args) => session.call(method, args), destroy: () => smart.destroy() };
}
