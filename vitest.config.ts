import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    exclude: ['test/bench/**', 'node_modules/**'],
    // Ample for a 2-core machine running other work beside the suite (#33): a bound is for a test
    // that would never end, not for speed, which the benchmarks measure.
    testTimeout: 90_000,
    hookTimeout: 120_000,
    // Session tests start real child processes; two cores, so keep file parallelism modest.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'suite',
          include: ['test/**/*.test.ts'],
          exclude: ['test/bench/**', 'test/paraview/**', 'node_modules/**'],
          sequence: { groupOrder: 0 },
        },
      },
      // The real ParaViewWeb tier (two pvpython, Xvfb, Chromium) runs after the rest, not beside it:
      // its start-up load made podman's container starts beside it pass 60 s (#35).
      {
        extends: true,
        test: { name: 'paraview', include: ['test/paraview/**/*.test.ts'], sequence: { groupOrder: 1 } },
      },
    ],
  },
});
