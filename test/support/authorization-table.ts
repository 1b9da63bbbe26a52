import type { SessionAction } from '../../shared/domain/authorization';

/**
 * The authorization matrix's one table (#33): the roles, what each may do (written as the product
 * promises it, not read from the code that decides it), and each API door's request for each
 * action. The local server's matrix (test/e2e/authorization-matrix.test.ts) and the Lambda
 * bundles' (test/infra/bundles.moto.test.ts) both run it.
 */
export const ROLES = ['owner', 'granteeUser', 'granteeGroup', 'admin', 'stranger', 'anonymous'] as const;
export type Role = (typeof ROLES)[number];

/** Who plays each role: alice owns the session, shares it with bob and with the group viz (dave's). */
export const PLAYERS: Record<Exclude<Role, 'anonymous'>, { user: string; groups: string[]; admin: boolean }> = {
  owner: { user: 'alice', groups: [], admin: false },
  granteeUser: { user: 'bob', groups: [], admin: false },
  granteeGroup: { user: 'dave', groups: ['viz'], admin: false },
  admin: { user: 'root', groups: [], admin: true },
  stranger: { user: 'carol', groups: ['other'], admin: false },
};

export type Outcome = 'allow' | 'not_found' | 'forbidden' | 'unauthenticated' | 'denied';

/** The promise: owners and admins control; grantees use, read, see events and logs; anyone else sees nothing. */
export function expected(role: Role, action: SessionAction): Exclude<Outcome, 'denied'> {
  if (role === 'anonymous') return 'unauthenticated';
  if (role === 'stranger') return 'not_found';
  if (role === 'owner') return 'allow';
  if (role === 'admin') return action === 'use' ? 'forbidden' : 'allow';
  return ['read', 'use', 'events', 'logs'].includes(action) ? 'allow' : 'forbidden';
}

export const byStatus = (status: number): Outcome =>
  status < 300
    ? 'allow'
    : status === 404
      ? 'not_found'
      : status === 403
        ? 'forbidden'
        : status === 401
          ? 'unauthenticated'
          : 'denied';

/** One request of an API door. */
interface Ask {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  query?: string;
  body?: string;
  form?: boolean;
}

export interface ApiDoor {
  asks: Partial<Record<SessionAction, (id: string) => Ask>>;
  /** Why this door has no such request: every action is one or the other. */
  absent: Partial<Record<SessionAction, string>>;
}

const skahaForm = (body: string): Pick<Ask, 'body' | 'form'> => ({ body, form: true });

/** The API's doors: the REST API, the wslink launcher, skaha. (The portal and the router run on the long-lived process only.) */
export const API_DOORS: Record<'rest' | 'launcher' | 'skaha', ApiDoor> = {
  rest: {
    asks: {
      read: (id) => ({ method: 'GET', path: `/sessions/${id}` }),
      events: (id) => ({ method: 'GET', path: `/sessions/${id}/events` }),
      logs: (id) => ({ method: 'GET', path: `/sessions/${id}/logs` }),
      renew: (id) => ({ method: 'POST', path: `/sessions/${id}/renew` }),
      share: (id) => ({ method: 'POST', path: `/sessions/${id}/shares`, body: JSON.stringify({ user: 'zed' }) }),
      stop: (id) => ({ method: 'DELETE', path: `/sessions/${id}` }),
    },
    absent: { use: 'the API hands out URLs; the app is used through the router' },
  },
  launcher: {
    asks: {
      read: (id) => ({ method: 'GET', path: `/paraview/${id}` }),
      // A web client opened for a session it has (the portal's Open: `<app>.html?sessionId=`) asks for it by id.
      use: (id) => ({
        method: 'POST',
        path: '/paraview/',
        body: JSON.stringify({ application: 'echo', sessionId: id }),
      }),
      stop: (id) => ({ method: 'DELETE', path: `/paraview/${id}` }),
    },
    absent: {
      events: 'the wslink launcher protocol has no events',
      logs: 'the wslink launcher protocol has no logs',
      renew: 'the wslink launcher protocol has no renew',
      share: 'the wslink launcher protocol has no sharing',
    },
  },
  skaha: {
    asks: {
      read: (id) => ({ method: 'GET', path: `/skaha/v1/session/${id}` }),
      events: (id) => ({ method: 'GET', path: `/skaha/v1/session/${id}`, query: 'view=events' }),
      logs: (id) => ({ method: 'GET', path: `/skaha/v1/session/${id}`, query: 'view=logs' }),
      renew: (id) => ({ method: 'POST', path: `/skaha/v1/session/${id}`, ...skahaForm('action=renew') }),
      stop: (id) => ({ method: 'DELETE', path: `/skaha/v1/session/${id}` }),
    },
    absent: { use: 'the router', share: 'skaha has no sharing' },
  },
};

/**
 * What an API door's answer means. A stop is allowed only if the session ended (skaha answers 200
 * to anything it does not find: that is its not-found); skaha's renew of a session not the
 * caller's is its 400 "No active job for user …".
 */
export function outcomeOf(
  door: keyof typeof API_DOORS,
  action: SessionAction,
  status: number,
  text: string,
  ended: boolean,
): Outcome {
  if (door === 'skaha' && action === 'renew' && status === 400 && text.startsWith('No active job')) return 'not_found';
  const answer = byStatus(status);
  if (action === 'stop' && answer === 'allow' && !ended) return door === 'skaha' ? 'not_found' : 'denied';
  return answer;
}
