import { ECSClient, type ECSClientConfig } from '@aws-sdk/client-ecs';

/**
 * Attempts per ECS call. The SDK's standard retry mode retries throttling and server faults with
 * full-jitter exponential backoff and a client-side retry quota, so this adapter has no retry loop
 * of its own. ECS throttles per account and Region: RunTask and StopTask share a bucket of 100 refilled
 * at 40 a second, DescribeTasks and ListTasks one of 100 at 20, and Fargate meters launches at 20 a
 * second; five attempts (backoff capped at 20 s each) ride out a burst, and then the caller gets a
 * 503 with Retry-After rather than a longer wait.
 */
const ECS_MAX_ATTEMPTS = 5;

/** The ECS client every entry uses; `endpoint` for a local emulator (moto, LocalStack) or a test. */
export function createEcsClient(options: {
  region: string;
  endpoint?: string | undefined;
  maxAttempts?: number;
  /** What answers its requests instead of HTTP (the scale simulator's ECS). */
  requestHandler?: ECSClientConfig['requestHandler'];
}): ECSClient {
  return new ECSClient({
    region: options.region,
    maxAttempts: options.maxAttempts ?? ECS_MAX_ATTEMPTS,
    retryMode: 'standard',
    ...(options.requestHandler ? { requestHandler: options.requestHandler } : {}),
    ...(options.endpoint
      ? { endpoint: options.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : {}),
  });
}
