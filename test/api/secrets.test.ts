import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../shared/adapters/in-process/pino-logger';
import { fixtureApp } from '../support/apps';
import { startTestPlane } from '../support/plane';
import { scanTable } from '../support/table';
import { waitFor } from '../support/wait';
import { openWs } from '../support/ws';

describe('secrets', () => {
  it("never appear in a log line or in the store: only the token's hash is kept", async () => {
    let logs = '';
    const sink = new Writable({
      write(chunk, _enc, done) {
        logs += chunk.toString();
        done();
      },
    });
    const plane = await startTestPlane({ web: fixtureApp() }, {}, { logger: createLogger('trace', sink) });
    try {
      const server = await plane.listen();
      const launched = (await (
        await plane.request('/sessions', {
          method: 'POST',
          body: '{"app":"web"}',
          headers: { 'idempotency-key': 'secret-test' },
        })
      ).json()) as { id: string; token: string; secret: string; connectURL: string };
      await waitFor(async () => (await plane.deps.store.get(launched.id))?.status === 'READY', 10_000, 'READY');
      await (await fetch(launched.connectURL, { headers: { cookie: `sessionplane_token=${launched.token}` } })).text();
      await fetch(`${server.url}/s/${launched.id}/?token=${'0'.repeat(40)}`); // a refused one is not logged with its token either
      const ws = await openWs(
        `${server.url.replace('http', 'ws')}/proxy?sessionId=${launched.id}&path=x&token=${launched.token}`,
      ).catch(() => undefined);
      ws?.close();
      await plane.request(`/sessions/${launched.id}`, { method: 'DELETE' });
      await plane.settled();

      expect(logs).toContain(launched.id); // the logs do speak of the session
      expect(logs).not.toContain(launched.token);
      expect(logs).not.toContain(launched.secret);
      expect(logs).not.toContain(plane.adminToken);
      const stored = JSON.stringify(await scanTable(plane.dynamodbEndpoint, 'sessionplane-sessions'));
      expect(stored).toContain(launched.id);
      expect(stored).not.toContain(launched.token);
      expect(stored).not.toContain(launched.secret);
      expect(stored).not.toContain('secret-test'); // the Idempotency-Key is kept only as a hash too
    } finally {
      await plane.dispose();
    }
  });
});
