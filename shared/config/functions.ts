import type { FunctionName } from './lambda-env';

/** Each Lambda's entry file: the CDK stack's NodejsFunctions and the bundle checks use these. */
export const FUNCTION_ENTRIES: Record<FunctionName, string> = {
  'api-read': 'functions/api/lambda/read.ts',
  'api-write': 'functions/api/lambda/write.ts',
  'api-catalog': 'functions/api/lambda/catalog.ts',
  'task-events': 'functions/task-events/lambda.ts',
  reaper: 'functions/reaper/lambda.ts',
  pools: 'functions/pools/lambda.ts',
  'image-catalog': 'functions/image-catalog/lambda.ts',
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
  banner: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  /** Import paths replaced in the bundles (resolved from the project root). */
  alias: { '@aws-sdk/credential-provider-node': './functions/lambda/env-credentials.ts' },
} as const;
