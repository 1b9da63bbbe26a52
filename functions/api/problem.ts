import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { STATUS_CODES } from 'node:http';
import { DomainError } from '../../shared/domain/errors';
import { type Problem, problemBody, problemOf, STATUS_BY_CODE } from '../http/problem';

import type { Logger } from '../../shared/ports/logger';

/** An RFC 9457 application/problem+json response. */
export function problemResponse(c: Context, problem: Problem, headers: Record<string, string> = {}): Response {
  return c.body(problemBody(problem, new URL(c.req.url).pathname), problem.status as ContentfulStatusCode, {
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
      return { problem: problemOf('internal', 'Something went wrong on our side.'), headers: {} };
    }
    const retryAfter = (error as { retryAfterSeconds?: number }).retryAfterSeconds;
    const headers: Record<string, string> = retryAfter !== undefined ? { 'retry-after': String(retryAfter) } : {};
    if (status === 401) headers['www-authenticate'] = 'Bearer realm="sessionplane"';
    return { problem: problemOf(error.code, error.message, error.details), headers };
  }
  if (error instanceof HTTPException) {
    const status = error.status;
    const code =
      status === 413
        ? 'request.too_large'
        : status === 401
          ? 'auth.unauthenticated'
          : status === 400
            ? 'request.invalid'
            : (`http.${status}` as const);
    return {
      problem: problemOf(code, error.message || STATUS_CODES[status] || 'Error', {}, status),
      headers: status === 401 ? { 'www-authenticate': 'Bearer realm="sessionplane"' } : {},
    };
  }
  // The client went away mid-body: nothing to answer and nothing wrong on our side (#11 m9).
  if (isAbandonedBody(error)) {
    logger.debug({ err: (error as Error).message }, 'request body abandoned by the client');
    return { problem: problemOf('request.aborted', 'The request body ended early.'), headers: {} };
  }
  logger.error({ err: error }, 'unhandled error');
  return { problem: problemOf('internal', 'Something went wrong on our side.'), headers: {} };
}

function isAbandonedBody(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | null;
  return (
    !!e &&
    (e.code === 'ECONNRESET' || e.code === 'ERR_STREAM_PREMATURE_CLOSE') &&
    /aborted|premature/i.test(e.message ?? '')
  );
}
