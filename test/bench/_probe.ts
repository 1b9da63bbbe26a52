import WebSocket from 'ws';
import { startServer } from '../support/server';
const server = await startServer({ SESSIONPLANE_LOG_LEVEL: 'warn' });
for (let i = 0; i < 8; i++) {
  const t0 = performance.now();
  const res = await server.api('/sessions', { method: 'POST', body: '{"app":"echo"}' });
  const body = (await res.json()) as any;
  const t1 = performance.now();
  let opened = 0;
  await new Promise<void>((resolve) => {
    const ws = new WebSocket(body.sessionURL, { perMessageDeflate: false });
    ws.once('open', () => { opened = performance.now(); ws.send('x'); });
    ws.once('message', () => { ws.close(); resolve(); });
  });
  const t2 = performance.now();
  const s = (await (await server.api(`/sessions/${body.id}`)).json()) as any;
  console.log(`post ${(t1 - t0).toFixed(0)} open ${(opened - t0).toFixed(0)} echo ${(t2 - t0).toFixed(0)} ready(server) ${Date.parse(s.readyAt) - Date.parse(s.createdAt)}`);
  await server.api(`/sessions/${body.id}`, { method: 'DELETE' });
}
await server.stop();
process.exit(0);
