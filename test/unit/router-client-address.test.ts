import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { forwardedClientAddress } from '../../functions/router/router';

const req = (xff: string | undefined) =>
  ({
    headers: xff === undefined ? {} : { 'x-forwarded-for': xff },
    socket: { remoteAddress: '10.0.0.9' },
  }) as unknown as IncomingMessage;

describe('forwardedClientAddress: the client behind the proxies that append to X-Forwarded-For', () => {
  it('behind the load balancer alone, the entry it appended (a forged first entry is ignored)', () => {
    expect(forwardedClientAddress(req('1.2.3.4, 203.0.113.7'))).toBe('203.0.113.7');
  });

  it("behind CloudFront and the load balancer, the viewer CloudFront saw, not CloudFront's own address", () => {
    // CloudFront appends the viewer's address; the load balancer then appends CloudFront's.
    expect(forwardedClientAddress(req('203.0.113.7, 130.176.1.1'), 2)).toBe('203.0.113.7');
    expect(forwardedClientAddress(req('6.6.6.6, 203.0.113.7, 130.176.1.1'), 2)).toBe('203.0.113.7');
  });

  it('with fewer entries than hops, the first; with none, the socket', () => {
    expect(forwardedClientAddress(req('203.0.113.7'), 2)).toBe('203.0.113.7');
    expect(forwardedClientAddress(req(undefined), 2)).toBe('10.0.0.9');
  });
});
