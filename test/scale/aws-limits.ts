/*
 * What AWS does at scale, as the scale simulator enforces it: each figure with where it comes from. "Assumed" marks
 * the few AWS does not publish (API call latencies); the simulator's results depend on them least.
 */

export interface Bucket {
  burst: number;
  perSecond: number;
}

export interface Cited<T> {
  value: T;
  source: string;
}

/** ECS API throttling: token buckets per account and Region, shared by every caller of a category. */
export const ECS_API_BUCKETS: Cited<Record<'modify' | 'read' | 'taskDefinition', Bucket & { actions: string[] }>> = {
  value: {
    modify: { burst: 100, perSecond: 40, actions: ['RunTask', 'StartTask', 'StopTask'] },
    read: { burst: 100, perSecond: 20, actions: ['DescribeTasks', 'ListTasks'] },
    taskDefinition: { burst: 20, perSecond: 1, actions: ['RegisterTaskDefinition', 'DeregisterTaskDefinition'] },
  },
  source:
    'Amazon ECS API Reference, "Request throttling for the Amazon ECS API" (cluster resource modify/read, task definition modify)',
};

/** Fargate's own meter of task launches (On-Demand and Spot counted apart): over it, RunTask is throttled. */
export const FARGATE_LAUNCHES: Cited<Bucket> = {
  value: { burst: 100, perSecond: 20 },
  source: 'Amazon ECS Developer Guide, "AWS Fargate throttling quotas"',
};

/**
 * The account's Fargate On-Demand vCPU quota (Service Quotas, adjustable). Over it RunTask answers 200 with no task
 * and the reason in `failures`.
 */
export const FARGATE_VCPU_QUOTA: Cited<{ vcpus: number; reason: string }> = {
  value: { vcpus: 4000, reason: "You've reached the limit on the number of vCPUs you can run concurrently" },
  source:
    'Service Quotas, "Fargate On-Demand vCPU resource count"; the 4,000 default and the failures[] answer as seen in paradisec-archive/nabu#1260',
};

/** Fargate out of capacity in a zone: RunTask's failure reason (the ECS runtime reads it as "no room now"). */
export const FARGATE_NO_CAPACITY: Cited<string> = {
  value: 'Capacity is unavailable at this time. Please try again later or in a different availability zone',
  source: 'Amazon ECS Developer Guide, "API failure reasons" (Fargate capacity)',
};

/** Triangular distributions (min, mode, max), in seconds. */
export type Triangle = [number, number, number];

/**
 * A Fargate task's start: the network interface, the image pull, the app's own start. AWS publishes launch rates, not
 * start times; these are field reports.
 */
export const FARGATE_START: Cited<{ network: Triangle; pull: Triangle; app: Triangle; stop: Triangle }> = {
  value: { network: [8, 11, 44], pull: [15, 25, 40], app: [1, 2, 5], stop: [1, 3, 30] },
  source:
    'network: createdAt to pullStartedAt 11 s and 44 s (opensearch-project/opensearch-migrations#2116); pull: 20-40 s from ECR inside the VPC (aws/containers-roadmap#358); stop: SIGTERM, then SIGKILL after stopTimeout (30 s default, ECS task definition parameters)',
};

/** One IP address per task (awsvpc), from the session subnets: a /20 of AWS's holds 4,091 (5 reserved per subnet). */
export const IPS_PER_SUBNET: Cited<(prefix: number) => number> = {
  value: (prefix) => 2 ** (32 - prefix) - 5,
  source:
    'Amazon VPC User Guide, "Subnet CIDR blocks" (5 addresses reserved); Fargate task networking (one ENI per task)',
};

/** DynamoDB: each partition of a table or index takes at most 1,000 write and 3,000 read units a second. */
export const DYNAMODB_PARTITION: Cited<{ writesPerSecond: number; readsPerSecond: number; latencyMs: Triangle }> = {
  value: { writesPerSecond: 1000, readsPerSecond: 3000, latencyMs: [2, 4, 12] },
  source:
    'DynamoDB Developer Guide, "Partitions and data distribution" / warm throughput; latency: "single-digit millisecond" (DynamoDB product page)',
};

/** ECS API call latency: not published. Assumed. */
export const ECS_CALL_MS: Cited<Record<'RunTask' | 'other', Triangle>> = {
  value: { RunTask: [100, 250, 800], other: [20, 50, 150] },
  source: 'assumed (AWS publishes no ECS API latency)',
};

/** EventBridge's delivery of a task's state change to a function: not published. Assumed. */
export const EVENT_DELIVERY_MS: Cited<Triangle> = {
  value: [200, 500, 2000],
  source: 'assumed (EventBridge publishes no delivery latency; "typically within a second" in field reports)',
};

/** Lambda: the account's concurrency (adjustable), and what the functions cost. */
export const LAMBDA: Cited<{ concurrency: number; gbSecond: number; perMillionRequests: number; memoryGb: number }> = {
  value: { concurrency: 1000, gbSecond: 0.0000133334, perMillionRequests: 0.2, memoryGb: 0.5 },
  source:
    'AWS Lambda quotas ("Concurrent executions": 1,000); AWS Lambda pricing, us-east-1, arm64 ($0.0000133334 per GB-second, $0.20 per million requests); 512 MB as the stack deploys them',
};

/** DynamoDB on demand and API Gateway HTTP API list prices. */
export const REQUEST_PRICES: Cited<{ dynamoWrite: number; dynamoRead: number; httpApi: number }> = {
  value: { dynamoWrite: 0.625, dynamoRead: 0.125, httpApi: 1.0 },
  source:
    'Amazon DynamoDB pricing, on-demand, us-east-1 ($0.625 per million write and $0.125 per million read request units); Amazon API Gateway pricing (HTTP APIs, $1.00 per million requests)',
};

/** An EC2 GPU instance for the GPU capacity provider: one NVIDIA A10G each, its image cached after the first pull. */
export const GPU_INSTANCE: Cited<{
  type: string;
  gpus: number;
  hourly: number;
  start: { network: Triangle; pull: Triangle };
}> = {
  value: { type: 'g5.xlarge', gpus: 1, hourly: 1.006, start: { network: [1, 2, 4], pull: [1, 2, 3] } },
  source:
    'Amazon EC2 On-Demand pricing, g5.xlarge, us-east-1 ($1.006 an hour); start on EC2 with the image cached: 1-3 s (aws/containers-roadmap#696)',
};

/** API Gateway HTTP API's stage throttle, as the stack sets it (its apiRateLimit and apiBurstLimit contexts). */
export const API_THROTTLE: Cited<Bucket> = {
  value: { burst: 2000, perSecond: 1000 },
  source:
    'the stack\'s defaults (infra/config.ts apiRateLimit, apiBurstLimit); API Gateway answers 429 over them (API Gateway Developer Guide, "Throttle requests to your HTTP APIs")',
};
