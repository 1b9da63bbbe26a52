import type { FunctionName } from './lambda-env';

/** Each Lambda's entry file: the CDK stack's NodejsFunctions and the bundle checks use these. */
export const FUNCTION_ENTRIES: Record<FunctionName, string> = {
  'api-read': 'functions/aws/api-read.ts',
  'api-write': 'functions/aws/api-write.ts',
  'api-catalog': 'functions/aws/api-catalog.ts',
  'task-events': 'functions/aws/task-events.ts',
  reaper: 'functions/aws/reaper.ts',
  pools: 'functions/aws/pools.ts',
  queue: 'functions/aws/queue.ts',
  'image-catalog': 'functions/aws/image-catalog.ts',
};

/**
 * How every function is bundled (NodejsFunction's `bundling`): ESM for Node 22, minified and
 * tree-shaken, the AWS SDK v3 bundled in (AWS's advice for cold starts), `require` shimmed for the
 * CommonJS parts of dependencies; the SDK's credential chain cut down to what Lambda uses (its environment).
 */
export const BUNDLING = {
  format: 'esm',
  target: 'node22',
  minify: true,
  mainFields: ['module', 'main'],
  banner:
    "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  /** Import paths replaced in the bundles (resolved from the project root). */
  alias: { '@aws-sdk/credential-provider-node': './functions/aws/env-credentials.ts' },
} as const;

/** How the queue function's pass runs (functions/aws/queue.ts; the scale simulator runs it so too). */
export const QUEUE_PASS = {
  /** What a pass leaves itself for the start it claimed last (RunTask and its retries, the records). */
  lastStartMs: 20_000,
  /**
   * Starts under way at once: about 12 launches a second at ECS's usual RunTask latency, under Fargate's 20 a second
   * (#40: one at a time, a storm's 300 waiting launches took three passes to start).
   */
  startConcurrency: 5,
} as const;

/**
 * How the pools function's pass starts instances (functions/aws/pools.ts; the scale simulator runs it so too). RunTask
 * shares a bucket of 100 refilled at 40 a second, Fargate launches one of 100 at 20 a second: 20 at once, 100 ms apart
 * is well inside both (#40: 3 at once, a second apart, read from the task-definition bucket's 1 a second, refilled a
 * pool of 100 in about half an hour on Fargate).
 */
export const POOLS_PASS = {
  /** Instances of one pool starting at once. */
  burst: 20,
  /** Between two starts of one pass. */
  staggerMs: 100,
} as const;
