import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureApp } from '../support/apps';
import { startTestPlane, type TestPlane } from '../support/plane';
import { waitFor } from '../support/wait';

// An app that tells only a digest of what it got (so its log holds no secret), and listens.
const TELLS = `
const [host, port] = process.argv.slice(1);
const digest = (v) => v === undefined ? 'unset' : require('node:crypto').createHash('sha256').update(v).digest('hex');
console.log('LICENCE', digest(process.env.LICENCE), 'TOKEN', digest(process.env.TOKEN));
require('node:http').createServer((q, s) => s.end('ok')).listen(Number(port), host);
`;
const sha = (v: string) => createHash('sha256').update(v).digest('hex');

/**
 * #38: secrets by reference on one machine: `file:` and `env:` reach the app's environment at its start and appear
 * nowhere else: not in an API answer (the session, the catalog, the list, events, usage, skaha), not in the server's
 * records, not in the app's log unless it writes them; one that cannot be read fails the launch, saying so, without it.
 */
describe('secrets by reference, on one machine', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sp-secret-'));
  const licence = `lic-${randomBytes(12).toString('hex')}`;
  const token = `tok-${randomBytes(12).toString('hex')}`;
  let plane: TestPlane;
  beforeAll(async () => {
    writeFileSync(join(dir, 'licence'), `${licence}\n`, { mode: 0o600 });
    const base = { command: [process.execPath, '-e', TELLS, '${host}', '${port}'] };
    plane = await startTestPlane(
      {
        viz: fixtureApp([], {
          name: 'viz',
          ...base,
          secrets: { LICENCE: `file:${join(dir, 'licence')}`, TOKEN: 'env:SP_TEST_SECRET_TOKEN' },
        }),
        broken: fixtureApp([], { name: 'broken', ...base, secrets: { LICENCE: `file:${join(dir, 'missing')}` } }),
        // The licence is the lab's: only its members' sessions get it; the token goes to every session.
        lab: fixtureApp([], {
          name: 'lab',
          ...base,
          secrets: { LICENCE: `file:${join(dir, 'licence')}`, TOKEN: 'env:SP_TEST_SECRET_TOKEN' },
          secretGroups: { LICENCE: ['lab'] },
        }),
      },
      // The server's own environment, where `env:` references are read.
      { SP_TEST_SECRET_TOKEN: token },
    );
  });
  afterAll(async () => {
    await plane?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reaches the app; no answer, record, event or log holds it', async () => {
    const res = await plane.request('/sessions', { method: 'POST', body: '{"app":"viz"}' });
    const launched = await res.text();
    const { id } = JSON.parse(launched) as { id: string };
    await waitFor(async () => (await plane.deps.store.get(id))?.status === 'READY', 20_000, 'READY');
    const log = await (await plane.request(`/sessions/${id}/logs`)).text();
    expect(log).toContain(`LICENCE ${sha(licence)} TOKEN ${sha(token)}`);
    const answers = [launched, log];
    for (const path of [
      `/sessions/${id}`,
      '/sessions',
      '/apps',
      `/sessions/${id}/events`,
      '/usage',
      '/skaha/v1/session',
    ])
      answers.push(await (await plane.request(path)).text());
    answers.push(JSON.stringify(await plane.deps.store.get(id)), JSON.stringify(await plane.deps.events.list(id)));
    await plane.request(`/sessions/${id}`, { method: 'DELETE' });
    await waitFor(async () => (await plane.deps.store.get(id))?.status === 'STOPPED', 20_000, 'STOPPED');
    answers.push(JSON.stringify(await plane.deps.store.get(id)), await (await plane.request('/usage')).text());
    for (const text of answers) {
      expect(text).not.toContain(licence);
      expect(text).not.toContain(token);
    }
    expect(answers.join('').length).toBeGreaterThan(1000);
  }, 60_000);

  it('one that cannot be read fails the launch, saying which and why, with no value anywhere', async () => {
    const res = await plane.request('/sessions', { method: 'POST', body: '{"app":"broken"}' });
    const body = await res.text();
    const id = (JSON.parse(body) as { id?: string }).id;
    const record = id ? await plane.deps.store.get(id) : undefined;
    const why = record?.statusReason ?? body;
    expect(why).toContain(`App broken's secret LICENCE cannot be read from ${join(dir, 'missing')} (ENOENT)`);
    expect(record?.status ?? 'FAILED').toBe('FAILED');
  }, 30_000);

  it("a group-held secret reaches only a member's session; the record keeps its name, never its value", async () => {
    const launch = async (user: string, groups: string) => {
      const res = await plane.request('/sessions', {
        method: 'POST',
        body: '{"app":"lab"}',
        user,
        headers: { 'x-test-groups': groups },
      });
      const { id } = (await res.json()) as { id: string };
      await waitFor(async () => (await plane.deps.store.get(id))?.status === 'READY', 20_000, 'READY');
      const log = await (await plane.request(`/sessions/${id}/logs`, { user })).text();
      return { id, log, record: (await plane.deps.store.get(id))! };
    };
    const member = await launch('lena', 'lab,staff');
    expect(member.log).toContain(`LICENCE ${sha(licence)} TOKEN ${sha(token)}`);
    expect(member.record.groupSecrets).toEqual(['LICENCE']);
    const other = await launch('omar', 'staff');
    expect(other.log).toContain(`LICENCE unset TOKEN ${sha(token)}`);
    expect(other.record.groupSecrets).toBeUndefined();
    for (const s of [member, other]) {
      expect(JSON.stringify(s.record)).not.toContain(licence);
      await plane.request(`/sessions/${s.id}`, { method: 'DELETE', user: s.record.owner });
    }
  }, 60_000);
});
