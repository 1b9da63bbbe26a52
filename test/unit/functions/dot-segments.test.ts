import { describe, expect, it } from 'vitest';
import { hasDotSegment } from '../../../functions/http/dot-segments';
import { refusingDotSegments } from '../../../functions/aws/compose';

describe('dot segments in a raw path (#33)', () => {
  it('finds . and .. however written, and nothing else', () => {
    for (const p of ['/a/..', '/a/%2e%2e', '/a/%2E%2e/b', '/a/./b', '/a/%2e', '/..?x=1'])
      expect(hasDotSegment(p), p).toBe(true);
    for (const p of ['/', '/a/b', '/a/...', '/a/.b', '/a/b.c', '/a?x=/..', '/apps/x.y/'])
      expect(hasDotSegment(p), p).toBe(false);
  });

  it('the API Lambdas answer 400 problem+json before their app sees the path', async () => {
    let seen = 0;
    const handler = refusingDotSegments(async () => {
      seen++;
      return { statusCode: 200 };
    });
    const refused = (await handler({ rawPath: '/sessions/0123/shares/%2e%2e' } as never, undefined)) as {
      statusCode: number;
      headers: Record<string, string>;
    };
    expect(refused.statusCode).toBe(400);
    expect(refused.headers['content-type']).toBe('application/problem+json');
    expect(seen).toBe(0);
    expect(await handler({ rawPath: '/sessions' } as never, undefined)).toEqual({ statusCode: 200 });
    expect(seen).toBe(1);
  });
});
