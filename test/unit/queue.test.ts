import { describe, expect, it } from 'vitest';
import { estimateWait, ordinal, queueOrder } from '../../shared/domain/queue';
import { makeSession } from '../support/sessions';

const queued = (id: string, owner: string, since: number, kind?: 'job', priority?: number) =>
  makeSession({
    id: id.padEnd(32, '0'),
    owner,
    status: 'QUEUED',
    ...(kind ? { kind } : {}),
    queue: { since, class: kind ? 'batch' : 'interactive', ...(priority ? { priority } : {}) },
  });
const ids = (list: { id: string }[]) => list.map((s) => s.id.replace(/0+$/, ''));

describe('the queue order (#37)', () => {
  it('puts interactive sessions before jobs, each class in the order asked for one user', () => {
    const order = queueOrder(
      [queued('j1', 'a', 1, 'job'), queued('i2', 'a', 2), queued('j3', 'a', 3, 'job'), queued('i4', 'a', 4)],
      new Map(),
    );
    expect(ids(order)).toEqual(['i2', 'i4', 'j1', 'j3']);
  });

  it('is fair between users: the one with fewest running goes next, ties to the longest waiting', () => {
    const list = ['a1', 'a2', 'a3', 'a4'].map((id, i) => queued(id, 'a', i, 'job'));
    const bobs = ['b1', 'b2'].map((id, i) => queued(id, 'b', 10 + i, 'job'));
    // a has 2 running, b none: b's two first (b reaches 2), then a's and b's alternate as they tie.
    expect(ids(queueOrder([...list, ...bobs], new Map([['a', 2]])))).toEqual(['b1', 'b2', 'a1', 'a2', 'a3', 'a4']);
    // Nobody running: they take turns, the longest waiting first.
    expect(ids(queueOrder([...list, ...bobs], new Map()))).toEqual(['a1', 'b1', 'a2', 'b2', 'a3', 'a4']);
  });

  it('puts higher priority first within a class (never ahead of the interactive class), fair between users within one', () => {
    const order = queueOrder(
      [
        queued('j1', 'a', 1, 'job'),
        queued('j2', 'a', 2, 'job', 5),
        queued('i3', 'b', 3),
        queued('j4', 'b', 4, 'job', 5),
        queued('j5', 'b', 5, 'job', -1),
        queued('i6', 'a', 6, undefined, 2),
      ],
      new Map([['a', 1]]),
    );
    expect(ids(order)).toEqual(['i6', 'i3', 'j4', 'j2', 'j1', 'j5']);
  });

  it('estimates a wait from the pace its class left the queue at this last hour, and none without one', () => {
    const now = 10 * 3600_000;
    // Three left in the last 30 min: one interval is 10 min; the 2nd in line waits about 20 min.
    const left = [now - 30 * 60_000, now - 20 * 60_000, now - 5 * 60_000];
    expect(estimateWait(2, left, now)).toBe(1200);
    expect(estimateWait(1, left, now)).toBe(600);
    // Departures older than an hour tell nothing.
    expect(estimateWait(1, [now - 2 * 3600_000], now)).toBeUndefined();
    expect(estimateWait(1, [], now)).toBeUndefined();
  });

  it('says places in words', () => {
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111].map(ordinal)).toEqual([
      '1st',
      '2nd',
      '3rd',
      '4th',
      '11th',
      '12th',
      '13th',
      '21st',
      '22nd',
      '101st',
      '111th',
    ]);
  });
});
