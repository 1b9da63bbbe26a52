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
