import { describe, expect, it } from 'vitest';
import { canReach, canTransition, transition } from '../../shared/domain/transitions';
import { IllegalTransitionError } from '../../shared/domain/errors';
import { isFinal, SESSION_STATUSES, type SessionStatus } from '../../shared/domain/session';
import { makeSession } from '../support/sessions';

const LEGAL = new Set([
  'QUEUED>PENDING',
  'QUEUED>STOPPED',
  'QUEUED>FAILED',
  'PENDING>QUEUED',
  'PENDING>STARTING',
  'PENDING>FAILED',
  'PENDING>STOPPING',
  'PENDING>STOPPED',
  'STARTING>READY',
  'STARTING>FAILED',
  'STARTING>STOPPING',
  'STARTING>STOPPED',
  'READY>STOPPING',
  'READY>STOPPED',
  'STOPPING>STOPPED',
]);
const pairs = SESSION_STATUSES.flatMap((from) =>
  SESSION_STATUSES.map((to) => [from, to] as [SessionStatus, SessionStatus]),
);

describe('session transitions', () => {
  it.each(pairs.filter(([f, t]) => !LEGAL.has(`${f}>${t}`)))('refuses %s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
    expect(() => transition(makeSession({ status: from }), to, {}, 0)).toThrow(IllegalTransitionError);
  });

  it.each(pairs.filter(([f, t]) => LEGAL.has(`${f}>${t}`)))('allows %s → %s and bumps the version', (from, to) => {
    const s = makeSession({ status: from, version: 4 });
    const next = transition(s, to, {}, 1_000_000);
    expect(next).toMatchObject({ status: to, version: 5 });
    expect(s.status).toBe(from); // pure: the input is unchanged
  });

  it('lets only a job complete, or fail once running; it ends as any session otherwise', () => {
    const jobLegal = new Set([...LEGAL, 'PENDING>COMPLETED', 'STARTING>COMPLETED', 'READY>COMPLETED', 'READY>FAILED']);
    for (const [from, to] of pairs) {
      expect(canTransition(from, to, 'job'), `${from} → ${to}`).toBe(jobLegal.has(`${from}>${to}`));
      if (jobLegal.has(`${from}>${to}`))
        expect(transition(makeSession({ status: from, kind: 'job' }), to, {}, 0).status).toBe(to);
    }
    expect(() => transition(makeSession({ status: 'READY' }), 'COMPLETED', {}, 0)).toThrow(IllegalTransitionError);
    expect(isFinal('COMPLETED')).toBe(true);
  });

  it('keeps STOPPED and FAILED final', () => {
    for (const to of SESSION_STATUSES) {
      expect(canTransition('STOPPED', to)).toBe(false);
      expect(canTransition('FAILED', to)).toBe(false);
    }
  });

  it('stamps readyAt and activity on READY, and stoppedAt and a retention ttl on a final state', () => {
    const ready = transition(makeSession({ status: 'STARTING' }), 'READY', {}, 5_000);
    expect(ready).toMatchObject({ readyAt: 5_000, lastActivityAt: 5_000 });
    const stopped = transition(ready, 'STOPPED', { statusReason: 'user' }, 9_000);
    expect(isFinal(stopped.status)).toBe(true);
    expect(stopped).toMatchObject({ stoppedAt: 9_000, statusReason: 'user', ttl: 9 + 7 * 24 * 3600 });
  });

  it('says which statuses a session may yet reach: only one not yet started may be queued again', () => {
    const mayQueue = SESSION_STATUSES.filter((s) => canReach(s, 'QUEUED'));
    expect(mayQueue.sort()).toEqual(['PENDING', 'QUEUED']);
    expect(canReach('PENDING', 'READY')).toBe(true);
    expect(canReach('READY', 'PENDING')).toBe(false);
    for (const s of SESSION_STATUSES) expect(canReach(s, 'STOPPED')).toBe(s === 'STOPPED' || !isFinal(s));
  });
});
