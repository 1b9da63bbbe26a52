import { STATUS_CODES } from 'node:http';
import type { ErrorCode } from '../../shared/domain/error-codes';

/** The HTTP status of every error code; the compiler fails if a code has none. */
export const STATUS_BY_CODE: Record<ErrorCode, number> = {
  'request.invalid': 400,
  'request.malformed': 400,
  'request.aborted': 400,
  'request.too_large': 413,
  'request.header_too_large': 431,
  'request.unsupported_media_type': 415,
  'request.not_acceptable': 406,
  'request.rate_limited': 429,
  'auth.unauthenticated': 401,
  'auth.forbidden': 403,
  'route.not_found': 404,
  'method.not_allowed': 405,
  'app.not_found': 404,
  'pool.not_found': 404,
  'token.not_found': 404,
  'file.not_found': 404,
  'file.conflict': 409,
  'home.full': 507,
  'files.unavailable': 404,
  'files.unreachable': 502,
  'tokens.unavailable': 404,
  'app.not_runnable': 409,
  'image.not_allowed': 403,
  'quota.exceeded': 429,
  'idempotency.mismatch': 422,
  'idempotency.in_progress': 409,
  'session.not_found': 404,
  'session.conflict': 409,
  'session.illegal_transition': 409,
  'session.forbidden': 403,
  'session.cross_origin': 403,
  'session.not_ready': 503,
  'session.unreachable': 502,
  'runtime.start_failed': 503,
  'runtime.no_capacity': 503,
  'runtime.unavailable': 503,
  'config.invalid': 500,
  internal: 500,
};

/** An RFC 9457 problem document: the one shape of every error the API and the router send. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode | `http.${number}`;
  instance?: string;
  [extension: string]: unknown;
}

/** A problem of `code`, with its status (or `status`, where one code covers more than one, e.g. 408 and 400). */
export function problemOf(
  code: ErrorCode | `http.${number}`,
  detail: string,
  extra: Record<string, unknown> = {},
  status?: number,
): Problem {
  const s = status ?? (code in STATUS_BY_CODE ? STATUS_BY_CODE[code as ErrorCode] : 500);
  return {
    type: `urn:sessionplane:problem:${code}`,
    title: STATUS_CODES[s] ?? 'Error',
    status: s,
    detail,
    code,
    ...extra,
  };
}

/** The JSON body of a problem, with the path it answers. */
export function problemBody(problem: Problem, instance: string): string {
  return JSON.stringify({ ...problem, instance });
}
