// Demo session app: a WebSocket echo server (any path), with a small HTTP page on the same port.
// Usage: node echo-ws.mjs --host HOST --port PORT
import { parseArgs } from 'node:util';
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';

const { values } = parseArgs({
  allowPositionals: true,
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: process.env.PORT ?? '9001' },
  },
});
const host = values.host;
const port = Number(values.port);

const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(`echo session ${process.env.SESSION_ID ?? ''}: open a WebSocket on any path and every message comes back.\n`);
});
// wslink clients send messages of up to 4 MiB; allow well beyond that.
const wss = new WebSocketServer({ server, maxPayload: 64 * 1024 * 1024 });
wss.on('connection', (socket) => {
  socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
});

server.listen(port, host, () => console.log(`App running at http://${host}:${port}/`));
process.on('SIGTERM', () => {
  for (const client of wss.clients) client.close(1001, 'session stopping');
  server.close(() => process.exit(0));
});
