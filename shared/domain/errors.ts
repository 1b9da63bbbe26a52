import type { ErrorCode } from './error-codes';

/**
 * Domain errors: a stable machine `code`, no HTTP. The API maps codes to statuses in one table.
 */
export class DomainError extends Error {
  readonly code: ErrorCode;
  /** Extra machine-readable facts the API may expose (never secrets). */
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, { cause: options.cause });
    this.name = 'DomainError';
    this.code = code;
    this.details = options.details ?? {};
  }
}

export class ValidationError extends DomainError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('request.invalid', message, { details });
    this.name = 'ValidationError';
  }
}

export class SessionNotFoundError extends DomainError {
  constructor(id: string) {
    super('session.not_found', `No session with id ${JSON.stringify(id)}.`, { details: { id } });
    this.name = 'SessionNotFoundError';
  }
}

/** The app exists, but the runtime in use cannot run it (no image on ECS, no command locally). */
export class AppNotRunnableError extends DomainError {
  constructor(app: string, why: string) {
    super('app.not_runnable', `App ${JSON.stringify(app)} cannot be launched here: ${why}.`, { details: { app } });
    this.name = 'AppNotRunnableError';
  }
}

export class AppNotFoundError extends DomainError {
  constructor(app: string) {
    super('app.not_found', `No app named ${JSON.stringify(app)}.`, { details: { app } });
    this.name = 'AppNotFoundError';
  }
}

export class IllegalTransitionError extends DomainError {
  constructor(from: string, to: string) {
    super('session.illegal_transition', `A session cannot go from ${from} to ${to}.`, { details: { from, to } });
    this.name = 'IllegalTransitionError';
  }
}

/**
 * A conditional write lost its race: the record changed underneath. Carries the current record
 * (undefined when it does not exist) so the caller can decide without another read.
 */
export class ConflictError<T = unknown> extends DomainError {
  readonly current: T | undefined;
  constructor(message: string, current: T | undefined, options: { cause?: unknown } = {}) {
    super('session.conflict', message, { cause: options.cause });
    this.name = 'ConflictError';
    this.current = current;
  }
}

/** The runtime could not start an instance (no port, spawn failed, capacity). */
export class RuntimeStartError extends DomainError {
  constructor(message: string, options: { cause?: unknown; reason?: string } = {}) {
    super('runtime.start_failed', message, {
      cause: options.cause,
      details: { reason: options.reason ?? 'start-failed' },
    });
    this.name = 'RuntimeStartError';
  }
}

/** No capacity right now: ports exhausted, throttled, busy. Retry later. */
export class CapacityError extends DomainError {
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds = 5, options: { cause?: unknown } = {}) {
    super('runtime.no_capacity', message, { cause: options.cause, details: { retryAfterSeconds } });
    this.name = 'CapacityError';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The server is shutting down: no capacity, and none coming here (a launch is refused, never queued). */
export class ShuttingDownError extends CapacityError {
  constructor() {
    super('The server is shutting down.', 5);
    this.name = 'ShuttingDownError';
  }
}

export class ConfigError extends DomainError {
  readonly problems: string[];
  constructor(what: string, problems: string[]) {
    super('config.invalid', `${what}:\n${problems.map((p) => `  - ${p}`).join('\n')}`, { details: { problems } });
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** A per-owner cap would be passed. `limit` names which one. */
export class QuotaExceededError extends DomainError {
  constructor(
    readonly owner: string,
    readonly limit: 'sessions' | 'jobs' | 'cpu' | 'memory' | 'gpus',
    readonly max: number,
    /** A group of this many asked at once (replicas): it would pass the maximum, however many run now. */
    group?: number,
  ) {
    super(
      'quota.exceeded',
      group !== undefined
        ? `${group} ${limit} at once would pass the maximum of ${max} active ${limit} for user ${owner}.`
        : limit === 'sessions' || limit === 'jobs'
          ? `User ${owner} has reached the maximum of ${max} active ${limit}.`
          : `User ${owner} would pass the limit of ${max} ${limit === 'memory' ? 'MiB of memory' : limit === 'cpu' ? 'vCPUs' : 'GPUs'} for active sessions.`,
      { details: { limit, max } },
    );
    this.name = 'QuotaExceededError';
  }
}

export class RateLimitedError extends DomainError {
  constructor(
    readonly retryAfterSeconds: number,
    limit: number,
  ) {
    super('request.rate_limited', `Too many requests: at most ${limit} a minute per user.`, {
      details: { limit, retryAfterSeconds },
    });
    this.name = 'RateLimitedError';
  }
}

export class ImageNotAllowedError extends DomainError {
  constructor(image: string) {
    super(
      'image.not_allowed',
      `Image ${JSON.stringify(image.slice(0, 200))} is not from an allowed registry or repository.`,
      { details: {} },
    );
    this.name = 'ImageNotAllowedError';
  }
}

/** The same Idempotency-Key came with a different request. */
export class IdempotencyMismatchError extends DomainError {
  constructor() {
    super('idempotency.mismatch', 'This Idempotency-Key was used with a different request body.');
    this.name = 'IdempotencyMismatchError';
  }
}

/** The first request with this Idempotency-Key is still being processed. */
export class IdempotencyInProgressError extends DomainError {
  readonly retryAfterSeconds = 1;
  constructor() {
    super('idempotency.in_progress', 'A request with this Idempotency-Key is still in progress; retry shortly.');
    this.name = 'IdempotencyInProgressError';
  }
}
