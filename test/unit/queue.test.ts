import { describe, expect, it } from 'vitest';
import { ordinal, queueOrder } from '../../shared/domain/queue';
import { makeSession } from '../support/sessions';

const queued = (id: string, owner: string, since: number, kind?: 'job') =>
  makeSession({
    id: id.padEnd(32, '0'),
    owner,
    status: 'QUEUED',
    ...(kind ? { kind } : {}),
    queue: { since, class: kind ? 'batch' : 'interactive' },
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
