// Demo session app: a small HTTP page that counts its visits. It is served behind the router at
// SESSION_BASE_PATH (/s/<id>/); the router strips that prefix, so the app's own paths start at "/"
// and its links are relative.
import { createServer } from 'node:http';

const host = process.env.HOST ?? '127.0.0.1';
const port = Number(process.env.PORT ?? '9002');
const greeting = process.env.GREETING ?? 'Hello';
let visits = 0;

createServer((req, res) => {
  if (req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    return;
  }
  if (req.url === '/api/visits') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ visits }));
    return;
  }
  visits++;
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(`<!doctype html><meta charset="utf-8"><title>Sessionplane demo</title>
<h1>${greeting.replace(/[<>&"]/g, '')} from session ${process.env.SESSION_ID}</h1>
<p>Visits: <span id="visits">${visits}</span>. Served at <code>${process.env.SESSION_BASE_PATH}</code>.</p>
<p>Asked for <code id="asked">${req.url.replace(/[<>&"]/g, '')}</code>.</p>
<p><a href="api/visits">api/visits</a></p>`);
}).listen(port, host);
