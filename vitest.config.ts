import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/bench/**', 'node_modules/**'],
    // Ample for a 2-core machine running other work beside the suite (#33): a bound is for a test
    // that would never end, not for speed, which the benchmarks measure.
    testTimeout: 90_000,
    hookTimeout: 120_000,
    // Session tests start real child processes; two cores, so keep file parallelism modest.
    maxWorkers: 2,
  },
});
