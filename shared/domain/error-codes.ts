/**
 * Every error code Sessionplane answers with, in the API and the router alike: a closed set the
 * compiler checks (a DomainError, a router refusal and a problem+json body all take an ErrorCode).
 * Each has one HTTP status, in functions/http/problem.ts, which the compiler makes complete.
 */
export const ERROR_CODES = [
  'request.invalid',
  'request.malformed',
  'request.aborted',
  'request.too_large',
  'request.header_too_large',
  'request.unsupported_media_type',
  'request.not_acceptable',
  'request.rate_limited',
  'auth.unauthenticated',
  'auth.forbidden',
  'route.not_found',
  'method.not_allowed',
  'app.not_found',
  'app.not_runnable',
  'pool.not_found',
  'token.not_found',
  'tokens.unavailable',
  'image.not_allowed',
  'quota.exceeded',
  'idempotency.mismatch',
  'idempotency.in_progress',
  'session.not_found',
  'session.conflict',
  'session.illegal_transition',
  'session.forbidden',
  'session.cross_origin',
  'session.not_ready',
  'session.unreachable',
  'runtime.start_failed',
  'runtime.no_capacity',
  'runtime.unavailable',
  'config.invalid',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];
