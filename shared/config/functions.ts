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
