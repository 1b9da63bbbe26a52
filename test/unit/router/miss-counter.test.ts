import { describe, expect, it } from 'vitest';
import { MissCounter } from '../../../functions/router/miss-counter';

describe('the router miss counter (429 for an address that guesses)', () => {
  const counter = (start: number) => {
    let now = start;
    return { misses: new MissCounter(5, () => now), at: (t: number) => (now = t) };
  };

  it('refuses the sixth miss of a minute, and lets no burst through across the turn of a minute', () => {
    // Three misses in the last second of a minute, three in the first of the next: a fixed window
    // would have forgotten the first three.
    const c = counter(59_500);
    for (let i = 0; i < 3; i++) c.misses.add('a');
    c.at(60_200);
    const refused: boolean[] = [];
    for (let i = 0; i < 4; i++) {
      refused.push(c.misses.over('a'));
      if (!refused.at(-1)) c.misses.add('a');
    }
    expect(refused).toEqual([false, false, true, true]);
    expect(c.misses.over('b')).toBe(false); // addresses apart
  });

  it('forgets misses as they fall out of the last minute', () => {
    const c = counter(0);
    for (let i = 0; i < 5; i++) c.misses.add('a');
    expect(c.misses.over('a')).toBe(true);
    c.at(90_000); // half of the first minute's count still weighs: 2.5
    expect(c.misses.over('a')).toBe(false);
    c.at(200_000); // two minutes on: nothing left
    for (let i = 0; i < 4; i++) c.misses.add('a');
    expect(c.misses.over('a')).toBe(false);
  });
});
