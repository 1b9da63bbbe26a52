import type { MiddlewareHandler } from 'hono';
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
