import { defineConfig } from 'vitest/config';

/** Every test file that drives the container engine. */
const CONTAINER_TESTS = [
  'test/api/image-apps.test.ts',
  'test/contract/container-runtime.test.ts',
  'test/contract/engine-images.test.ts',
  'test/contract/runtime.container.test.ts',
  'test/e2e/container-homes.test.ts',
  'test/e2e/container-jobs.test.ts',
  'test/e2e/container-orphans.test.ts',
  'test/e2e/container-volumes.test.ts',
  'test/e2e/containers.test.ts',
];

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
          exclude: ['test/bench/**', 'test/paraview/**', 'node_modules/**', ...CONTAINER_TESTS],
          sequence: { groupOrder: 0 },
        },
      },
      // The files that drive the one container engine (podman) run one at a time, beside the rest: two
      // of them at once (image builds, fault injection with many containers) made a start pass 90 s.
      {
        extends: true,
        test: { name: 'containers', include: CONTAINER_TESTS, fileParallelism: false, sequence: { groupOrder: 0 } },
      },
      // The real ParaViewWeb tier (two pvpython, Xvfb, Chromium) runs after the rest, not beside it (#35).
      {
        extends: true,
        test: { name: 'paraview', include: ['test/paraview/**/*.test.ts'], sequence: { groupOrder: 1 } },
      },
    ],
  },
});
