import { describe, expect, it } from 'vitest';
import { sessionView } from '../../../functions/api/views/session';
import type { UrlSettings } from '../../../shared/domain/urls';
import { makeSession } from '../../support/sessions';

describe('sessionView of a record that cannot change', () => {
  it('is built once per record and settings, and again when the public URL is learnt (as npm start does on listen)', () => {
    const urls: UrlSettings = { publicUrl: 'http://127.0.0.1:0' };
    const session = Object.freeze(makeSession({ status: 'READY' }));
    const first = sessionView(session, urls);
    expect(sessionView(session, urls)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    urls.publicUrl = 'http://127.0.0.1:8123';
    const after = sessionView(session, urls);
    expect(after).not.toBe(first);
    expect(after.sessionURL).toContain('127.0.0.1:8123');
    // Other settings (another door's) build their own.
    expect(sessionView(session, { publicUrl: 'https://viz.example.org' }).sessionURL).toMatch(
      /^wss:\/\/viz\.example\.org/,
    );
  });

  it("is built afresh for a record that may change, and for the owner's view with its token (never kept)", () => {
    const urls: UrlSettings = { publicUrl: 'http://127.0.0.1:8080' };
    const open = makeSession({ status: 'READY' });
    expect(sessionView(open, urls)).not.toBe(sessionView(open, urls));
    const frozen = Object.freeze(makeSession({ status: 'READY' }));
    const owners = sessionView(frozen, urls, 'tok');
    expect(owners.sessionURL).toContain('token=tok');
    expect(sessionView(frozen, urls).sessionURL).not.toContain('token=');
  });
});
