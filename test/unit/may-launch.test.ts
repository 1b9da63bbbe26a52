import { describe, expect, it } from 'vitest';
import { mayLaunch } from '../../shared/domain/app-access';

/** Who may launch an app, decided once (the launch service and the launcher's visitor gate both ask it). */
describe('mayLaunch', () => {
  const open = { open: { max: 20, perAddressPerMinute: 6 } };
  const closed = {};
  const limited = { access: { users: ['ann'], groups: ['viz'] } };
  const visitor = { user: 'visitor-0123456789abcdef01234567', admin: false, visitor: true as const };

  it('lets a visitor launch only an app open to anyone', () => {
    expect(mayLaunch(open, visitor)).toBe(true);
    expect(mayLaunch(closed, visitor)).toBe(false);
    expect(mayLaunch(limited, visitor)).toBe(false);
  });

  it("lets anyone else launch by the app's access, an admin always", () => {
    expect(mayLaunch(open, { user: 'bob', admin: false })).toBe(true);
    expect(mayLaunch(closed, { user: 'bob', admin: false })).toBe(true);
    expect(mayLaunch(limited, { user: 'bob', admin: false })).toBe(false);
    expect(mayLaunch(limited, { user: 'dan', admin: false, groups: ['viz'] })).toBe(true);
    expect(mayLaunch(limited, { user: 'root', admin: true })).toBe(true);
  });
});
