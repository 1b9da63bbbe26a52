import { CapacityError } from '../../domain/errors';

interface AwsError {
  name?: string;
  $fault?: 'client' | 'server';
  $retryable?: { throttling?: boolean };
  $metadata?: { httpStatusCode?: number; attempts?: number };
}

/** Throttling or a server fault. */
function isTransient(error: unknown): boolean {
  const e = error as AwsError;
  if (e.$retryable?.throttling) return true;
  if (
    [
      'ThrottlingException',
      'Throttling',
      'TooManyRequestsException',
      'RequestLimitExceeded',
      'ServerException',
      'ServiceUnavailable',
    ].includes(e.name ?? '')
  )
    return true;
  return e.$fault === 'server' || (e.$metadata?.httpStatusCode ?? 0) >= 500;
}

/**
 * The SDK has already retried (standard mode: createEcsClient, and the KMS client). Still throttled
 * or failing on the server side: the service is busy, which the API answers 503 with Retry-After, not 500.
 */
export async function busyIfThrottled<T>(what: string, call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    if (!isTransient(error)) throw error;
    const attempts = (error as AwsError).$metadata?.attempts ?? 1;
    throw new CapacityError(`${what} is busy: ${(error as Error).name ?? 'error'} after ${attempts} attempts.`, 5, {
      cause: error,
    });
  }
}
