import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { DomainError } from '../../shared/domain/errors';
import type { Logger } from '../../shared/ports/logger';

/** The one table from a domain error code to an HTTP status. */
const STATUS_BY_CODE: Record<string, ContentfulStatusCode> = {
  'request.invalid': 400,
  'request.too_large': 413,
  'request.unsupported_media_type': 415,
  'auth.unauthenticated': 401,
  'auth.forbidden': 403,
  'session.not_found': 404,
  'app.not_found': 404,
  'route.not_found': 404,
  'method.not_allowed': 405,
  'session.conflict': 409,
  'session.illegal_transition': 409,
  'runtime.start_failed': 503,
  'runtime.no_capacity': 503,
  'quota.exceeded': 429,
  'request.rate_limited': 429,
  'image.not_allowed': 403,
  'idempotency.mismatch': 422,
  'idempotency.in_progress': 409,
  'request.header_too_large': 431,
};

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  [extension: string]: unknown;
}

export function problemOf(code: string, status: number, detail: string, extra: Record<string, unknown> = {}): Problem {
  return { type: `urn:sessionplane:problem:${code}`, title: TITLES[status] ?? 'Error', status, detail, code, ...extra };
}

/** An RFC 9457 application/problem+json response. */
export function problemResponse(c: Context, problem: Problem, headers: Record<string, string> = {}): Response {
  return c.body(JSON.stringify({ ...problem, instance: new URL(c.req.url).pathname }), problem.status as ContentfulStatusCode, {
    'content-type': 'application/problem+json',
    ...headers,
  });
}

/** Maps any thrown error to problem+json. Unknown errors: 500, logged, never echoed. */
export function toProblem(error: unknown, logger: Logger): { problem: Problem; headers: Record<string, string> } {
  if (error instanceof DomainError) {
    const status = STATUS_BY_CODE[error.code] ?? 500;
    if (status === 500) {
      logger.error({ err: error, code: error.code }, 'unmapped domain error');
      return { problem: problemOf('internal', 500, 'Something went wrong on our side.'), headers: {} };
    }
    const retryAfter = (error as { retryAfterSeconds?: number }).retryAfterSeconds;
    const headers: Record<string, string> = retryAfter !== undefined ? { 'retry-after': String(retryAfter) } : {};
    if (status === 401) headers['www-authenticate'] = 'Bearer realm="sessionplane"';
    return { problem: problemOf(error.code, status, error.message, error.details), headers };
  }
  if (error instanceof HTTPException) {
    const status = error.status;
    const code = status === 413 ? 'request.too_large' : status === 401 ? 'auth.unauthenticated' : status === 400 ? 'request.invalid' : `http.${status}`;
    return {
      problem: problemOf(code, status, error.message || TITLES[status] || 'Error'),
      headers: status === 401 ? { 'www-authenticate': 'Bearer realm="sessionplane"' } : {},
    };
  }
  // The client went away mid-body: nothing to answer and nothing wrong on our side (#11 m9).
  if (isAbandonedBody(error)) {
    logger.debug({ err: (error as Error).message }, 'request body abandoned by the client');
    return { problem: problemOf('request.aborted', 400, 'The request body ended early.'), headers: {} };
  }
  logger.error({ err: error }, 'unhandled error');
  return { problem: problemOf('internal', 500, 'Something went wrong on our side.'), headers: {} };
}

function isAbandonedBody(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | null;
  return !!e && (e.code === 'ECONNRESET' || e.code === 'ERR_STREAM_PREMATURE_CLOSE') && /aborted|premature/i.test(e.message ?? '');
}
