import type { Context, MiddlewareHandler } from 'hono';
import { MemoryStore, rateLimiter } from 'hono-rate-limiter';
import { RateLimitedError } from '../../shared/domain/errors';
import type { ApiEnv } from './context';

/**
 * hono-rate-limiter 0.5.4's MemoryStore returns its live record from increment(), and the
 * middleware reads the count only after an await: in a burst every request reads the final count
 * and all are refused. This store hands back a snapshot taken at the increment.
 */
class SnapshotMemoryStore<E extends ApiEnv> extends MemoryStore<E> {
  override increment(key: string) {
    const client = super.increment(key);
    return { totalHits: client.totalHits, resetTime: client.resetTime };
  }
}

/**
 * At most `perMinute` requests a minute per user, in this process (on Lambda, per instance: the
 * HTTP API's throttling is the global cap). Past it: 429 with Retry-After.
 */
export function perUserRateLimit(perMinute: number): MiddlewareHandler<ApiEnv> {
  return rateLimiter<ApiEnv>({
    windowMs: 60_000,
    limit: perMinute,
    keyGenerator: (c) => c.var.principal.user,
    standardHeaders: 'draft-6',
    store: new SnapshotMemoryStore(),
    handler: (c) => {
      const reset = c.get('rateLimit')?.resetTime;
      throw new RateLimitedError(reset ? Math.max(1, Math.ceil((reset.getTime() - Date.now()) / 1000)) : 60, perMinute);
    },
  });
}

/** The caller's network address: the socket's locally, the HTTP API's sourceIp on Lambda. */
function clientAddress(c: Context): string {
  const env = c.env as
    | { incoming?: { socket?: { remoteAddress?: string } }; requestContext?: { http?: { sourceIp?: string } } }
    | undefined;
  return env?.incoming?.socket?.remoteAddress ?? env?.requestContext?.http?.sourceIp ?? 'unknown';
}

/**
 * Something counted per client address, at most `perMinute` a minute: requests without a valid credential (past it,
 * 429 instead of 401, #11 m8; a valid credential from the same address, a shared NAT, has its own per-user limit), or a
 * visitor's launches of an app open to anyone.
 */
export function addressRateLimit(perMinute: number) {
  const store = new SnapshotMemoryStore<ApiEnv>();
  store.init({ windowMs: 60_000 } as Parameters<MemoryStore<ApiEnv>['init']>[0]);
  const retryAfter = (reset: Date | undefined) =>
    reset ? Math.max(1, Math.ceil((reset.getTime() - Date.now()) / 1000)) : 60;
  return {
    /** Throws 429 if this address is over its limit. */
    check(c: Context): void {
      const seen = store.get(clientAddress(c));
      if (seen && seen.totalHits >= perMinute) throw new RateLimitedError(retryAfter(seen.resetTime), perMinute);
    },
    /** Counts one for this address. */
    count(c: Context): void {
      store.increment(clientAddress(c));
    },
  };
}
