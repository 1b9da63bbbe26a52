import { describe, expect, it } from 'vitest';
import { admitToken, decide, permits, roleOf, SESSION_ACTIONS } from '../../shared/domain/authorization';
import { hashToken } from '../../shared/domain/ids';
import { makeSession } from '../support/sessions';

const NOW = 1_800_000_000_000;
const session = makeSession({
  owner: 'alice',
  tokenHash: hashToken('owner-token'),
  shares: [
    { id: 'a1', user: 'bob', tokenHash: hashToken('bob-token'), by: 'alice', createdAt: NOW - 10 },
    { id: 'a2', group: 'viz', tokenHash: hashToken('viz-token'), by: 'alice', createdAt: NOW - 10 },
    {
      id: 'a3',
      user: 'erin',
      tokenHash: hashToken('erin-token'),
      by: 'alice',
      createdAt: NOW - 10,
      expiresAt: NOW - 1,
    },
  ],
});

/** The one decision (#33): who may do what to a session, whatever door asks. */
describe('authorization', () => {
  it('tells the roles apart: the owner first, then admin, then a grantee by name or group, while the share holds', () => {
    expect(roleOf({ user: 'alice', admin: true }, session, NOW)).toBe('owner');
    expect(roleOf({ user: 'root', admin: true }, session, NOW)).toBe('admin');
    expect(roleOf({ user: 'bob', admin: false }, session, NOW)).toBe('grantee');
    expect(roleOf({ user: 'dave', admin: false, groups: ['viz'] }, session, NOW)).toBe('grantee');
    expect(roleOf({ user: 'erin', admin: false }, session, NOW)).toBe('stranger');
    expect(roleOf({ user: 'carol', admin: false, groups: ['other'] }, session, NOW)).toBe('stranger');
  });

  it('lets grantees use and read, owners and admins control, admins not use; strangers get not-found', () => {
    const table = Object.fromEntries(
      (['alice', 'root', 'bob', 'carol'] as const).map((user) => [
        user,
        Object.fromEntries(
          SESSION_ACTIONS.map((a) => [
            a,
            ((d) => (d.allow ? 'allow' : d.code))(decide({ user, admin: user === 'root' }, a, session, NOW)),
          ]),
        ),
      ]),
    );
    expect(table).toEqual({
      alice: {
        read: 'allow',
        use: 'allow',
        events: 'allow',
        logs: 'allow',
        stop: 'allow',
        renew: 'allow',
        share: 'allow',
      },
      root: {
        read: 'allow',
        use: 'session.forbidden',
        events: 'allow',
        logs: 'allow',
        stop: 'allow',
        renew: 'allow',
        share: 'allow',
      },
      bob: {
        read: 'allow',
        use: 'allow',
        events: 'allow',
        logs: 'allow',
        stop: 'session.forbidden',
        renew: 'session.forbidden',
        share: 'session.forbidden',
      },
      carol: Object.fromEntries(SESSION_ACTIONS.map((a) => [a, 'session.not_found'])),
    });
    expect(permits('stranger', 'read')).toBe(false);
  });

  it("admits at the router the owner's token and an active share's, for use only", () => {
    expect(admitToken(session, 'owner-token', 'use', NOW)).toBe('owner');
    expect(admitToken(session, 'bob-token', 'use', NOW)).toBe('a1');
    expect(admitToken(session, 'viz-token', 'use', NOW)).toBe('a2');
    expect(admitToken(session, 'bob-token', 'stop', NOW)).toBeUndefined();
    expect(admitToken(session, 'erin-token', 'use', NOW)).toBeUndefined();
    expect(admitToken(session, 'guess', 'use', NOW)).toBeUndefined();
  });
});
