import { jsx } from 'hono/jsx';
import { describe, expect, it } from 'vitest';
import { sessionView } from '../../../functions/api/views/session';
import { Catalog } from '../../../functions/portal/pages';
import { SessionList } from '../../../functions/portal/session-cards';
import { makeSession } from '../../support/sessions';

const NOW = Date.UTC(2026, 11, 5, 12, 0);
const urls = { publicUrl: 'http://127.0.0.1:8080' };
/** A card as the portal renders it: from the API's view of the session. */
const render = (session: ReturnType<typeof makeSession>, own = true, admin = false) =>
  String(jsx(SessionList, { sessions: [{ session: sessionView(session, urls), own }], now: NOW, admin }));

describe('the portal session cards', () => {
  const ready = {
    status: 'READY' as const,
    runtime: { kind: 'local', runtimeId: 'r', endpoint: '127.0.0.1:1' },
    createdAt: NOW - 180_000,
    expiresAt: NOW + 3_600_000,
  };

  it('warns of an expiry with Extend (renew), of idleness with a link to use it', () => {
    const expiring = render(makeSession({ ...ready, warned: { expiry: ready.expiresAt } }));
    expect(expiring).toContain('class="banner"');
    expect(expiring).toMatch(/data-action="renew"[^>]*>Extend</);
    expect(expiring).toMatch(/It will end at \d\d:\d\d UTC, in 60 min: extend it to keep it\./);
    const session = makeSession({ ...ready, warned: { idle: ready.createdAt } });
    const idle = render(session);
    expect(idle).toContain('stopped as idle unless it is used');
    // The link asks the API for the session's URL when it is followed: no credential in the page.
    expect(idle).toMatch(new RegExp(`href="/open/${session.id}"[^>]*>Use it<`));
    expect(render(makeSession(ready))).not.toContain('class="banner"');
    // A warning that no longer holds is no banner: renewed since (a new expiry), used since (a new quiet period).
    expect(
      render(makeSession({ ...ready, expiresAt: ready.expiresAt + 600_000, warned: { expiry: ready.expiresAt } })),
    ).not.toContain('class="banner"');
    expect(
      render(makeSession({ ...ready, lastActivityAt: NOW - 1000, warned: { idle: ready.createdAt } })),
    ).not.toContain('class="banner"');
  });

  it('says when in words: started 3 min ago, expires in 60 min; ended reasons in words', () => {
    const html = render(makeSession(ready));
    expect(html).toContain('started <time datetime="2026-12-05T11:57:00.000Z">11:57 UTC, 3 min ago</time>');
    expect(html).toContain('expires <time datetime="2026-12-05T13:00:00.000Z">13:00 UTC, in 60 min</time>');
    expect(render(makeSession({ status: 'STOPPED', statusReason: 'idle' }))).toContain(
      'Stopped: nobody used it for its idle timeout',
    );
    expect(render(makeSession({ status: 'FAILED', statusReason: 'exited-before-ready: exit code 3' }))).toContain(
      'The app exited before it was ready (exited-before-ready): exit code 3',
    );
  });

  it("gives an admin no credential of someone else's session: no Open, no Renew, no banner link", () => {
    const html = render(makeSession({ ...ready, owner: 'alice', warned: { idle: ready.createdAt } }), false, true);
    expect(html).toContain('owner alice');
    expect(html).not.toContain('>Open<');
    expect(html).not.toContain('data-action="renew"');
    expect(html).not.toContain('token=');
    expect(html).not.toContain('/open/');
    expect(html).toContain('data-action="stop"');
  });

  it('escapes what users wrote (a session name is theirs)', () => {
    expect(render(makeSession({ ...ready, name: '<img src=x onerror=alert(1)>' }))).toContain(
      '&lt;img src=x onerror=alert(1)&gt;',
    );
  });
});

describe('the portal launch form', () => {
  it('offers the profiles the API listed for the user, and no raw resources for an app that takes profiles only', () => {
    const app = {
      name: 'viz',
      title: 'Viz',
      source: 'apps-file' as const,
      resources: { cpu: 1, memory: 2048, gpus: 0 },
      limits: { cpu: 8, memory: 32768, gpus: 1 },
      params: {},
      profiles: [{ name: 'gpu-large', title: 'GPU, large', resources: { cpu: 8, memory: 32768, gpus: 1 } }],
      profilesOnly: true,
      idleTimeoutSeconds: 180,
      maxLifetimeSeconds: 3600,
      launchTimeoutSeconds: 60,
    };
    const html = String(jsx(Catalog, { apps: [app] }));
    expect(html).toMatch(/<select id="f-viz-profile" name="profile"/);
    expect(html).toContain('<option value="gpu-large">GPU, large: 8 vCPU · 32 GiB · 1 GPU</option>');
    expect(html).not.toContain('resources.cpu');
    expect(String(jsx(Catalog, { apps: [{ ...app, profiles: undefined, profilesOnly: undefined }] }))).toContain(
      'name="resources.cpu"',
    );
  });
});
