import WebSocket from 'ws';

/** Opens a WebSocket; resolves once open, rejects with the HTTP status if the upgrade is refused. */
export function openWs(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, maxPayload: 64 * 1024 * 1024 });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode }));
      res.resume();
    });
    ws.once('error', reject);
  });
}

/** Sends one message and resolves the next message received. */
export function roundTrip(ws: WebSocket, data: string | Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    ws.once('message', (reply) => resolve(reply as Buffer));
    ws.once('error', reject);
    ws.send(data);
  });
}

/** The status an upgrade to `url` is refused with (or 101 if it is accepted). */
export async function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  try {
    (await openWs(url, headers)).close();
    return 101;
  } catch (error) {
    return (error as { status?: number }).status ?? 0;
  }
}

export function closeCode(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}
