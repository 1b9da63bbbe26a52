// Demo session app that speaks the wslink protocol, as a trame/ParaViewWeb server does: binary
// WebSocket messages of msgpack, cut into chunks with a 12-byte header (message id, offset, total
// size; little-endian). The first call must be `wslink.hello` with the session's secret.
// Usage: SESSION_SECRET=... node wslink-app.mjs --host HOST --port PORT   (or --authKey SECRET, as
// trame apps take it, though a command line is visible to every user in `ps`)
import { parseArgs } from 'node:util';
import { randomInt } from 'node:crypto';
import { createServer } from 'node:http';
import { decode, encode } from '@msgpack/msgpack';
import { WebSocketServer } from 'ws';

// Unknown options pass: a trame launcher line may carry more (--server, --timeout, …).
const { values } = parseArgs({
  strict: false,
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: process.env.PORT ?? '9003' },
    authKey: { type: 'string', default: process.env.SESSION_SECRET ?? 'wslink-secret' },
  },
});
const host = String(values.host);
const port = Number(values.port);
const secret = String(values.authKey);
const MAX_MSG_SIZE = 4 * 1024 * 1024;
const HEADER = 12;

/** Splits a packed message into wslink chunks (an empty message is one empty chunk). */
function* chunks(packed) {
  const id = randomInt(2 ** 32);
  const room = MAX_MSG_SIZE - HEADER;
  let offset = 0;
  do {
    const content = packed.subarray(offset, offset + room);
    const header = Buffer.alloc(HEADER);
    header.writeUInt32LE(id, 0);
    header.writeUInt32LE(offset, 4);
    header.writeUInt32LE(packed.length, 8);
    yield Buffer.concat([header, content]);
    offset += room;
  } while (offset < packed.length);
}

const methods = {
  'app.add': (args) => args.reduce((a, b) => a + b, 0),
  'app.echo': (args) => args[0],
  'application.exit.later': () => null,
};

const server = createServer((_req, res) => res.end('wslink demo app\n'));
const wss = new WebSocketServer({ server, maxPayload: 64 * 1024 * 1024 });
let clients = 0;
wss.on('connection', (ws) => {
  const pending = new Map();
  let authenticated = false;
  const send = (message) => {
    for (const chunk of chunks(Buffer.from(encode(message)))) ws.send(chunk, { binary: true });
  };
  ws.on('message', (data) => {
    const id = data.readUInt32LE(0);
    const offset = data.readUInt32LE(4);
    const size = data.readUInt32LE(8);
    const entry = pending.get(id) ?? { buffer: Buffer.alloc(size), received: 0 };
    data.copy(entry.buffer, offset, HEADER);
    entry.received += data.length - HEADER;
    if (entry.received < size) return void pending.set(id, entry);
    pending.delete(id);
    const call = decode(entry.buffer);
    if (call.method === 'wslink.hello') {
      if (call.args?.[0]?.secret !== secret) {
        send({ wslink: '1.0', id: call.id, error: { code: 10, message: 'Authentication failed' } });
        return void ws.close();
      }
      authenticated = true;
      return send({ wslink: '1.0', id: call.id, result: { clientID: `c${++clients}`, maxMsgSize: MAX_MSG_SIZE } });
    }
    if (!authenticated) return ws.close();
    const method = methods[call.method];
    if (!method)
      return send({ wslink: '1.0', id: call.id, error: { code: -32601, message: `Unknown method ${call.method}` } });
    send({ wslink: '1.0', id: call.id, result: method(call.args ?? [], call.kwargs ?? {}) });
  });
});

server.listen(port, host, () => console.log(`App running at http://${host}:${port}/`));
process.on('SIGTERM', () => {
  for (const client of wss.clients) client.close(1001, 'session stopping');
  server.close(() => process.exit(0));
});
