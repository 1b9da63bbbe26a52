import { CapacityError } from '../domain/errors';

interface AwsError {
  name?: string;
  $fault?: 'client' | 'server';
  $retryable?: { throttling?: boolean };
  $metadata?: { httpStatusCode?: number };
}

/** Throttling or a server fault: worth another try after a pause. */
function isTransient(error: unknown): boolean {
  const e = error as AwsError;
  if (e.$retryable?.throttling) return true;
  if (['ThrottlingException', 'Throttling', 'TooManyRequestsException', 'RequestLimitExceeded', 'ServerException', 'ServiceUnavailable'].includes(e.name ?? ''))
    return true;
  return e.$fault === 'server' || (e.$metadata?.httpStatusCode ?? 0) >= 500;
}

export interface RetryOptions {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Calls `fn` until it succeeds, retrying transient failures with full-jitter exponential backoff.
 * Still failing after `attempts`: a CapacityError (503 with Retry-After).
 */
export async function withRetry<T>(what: string, fn: () => Promise<T>, options: RetryOptions): Promise<T> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (!isTransient(error)) throw error;
      if (attempt >= options.attempts)
        throw new CapacityError(`${what} is busy: ${(error as Error).name ?? 'error'} after ${attempt} attempts.`, 5, { cause: error });
      const cap = Math.min(options.maxDelayMs ?? 5000, options.baseDelayMs * 2 ** (attempt - 1));
      await sleep(Math.random() * cap);
    }
  }
}
