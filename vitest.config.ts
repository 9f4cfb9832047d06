import { defineConfig } from 'vitest/config';

/**
 * One `vitest run` for every test: unit tests beside the code, HTTP and database tests, browser tests.
 * The global setup (run once, at the root) gives the run its own PostgreSQL template database; see
 * tooling/dev/src/testing.
 */
const shared = { testTimeout: 30_000, hookTimeout: 120_000 };

export default defineConfig({
  test: {
    globalSetup: ['tooling/dev/src/testing/global-setup.ts'],
    pool: 'forks',
    ...shared,
    projects: [
      {
        test: {
          ...shared,
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'tooling/*/src/**/*.test.ts'],
        },
      },
      { test: { ...shared, name: 'integration', include: ['tests/integration/**/*.test.ts'] } },
      {
        // Real nginx in front of real server and worker processes (ADR 0005): one topology at a time.
        test: {
          ...shared,
          name: 'topology',
          include: ['tests/topology/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 180_000,
        },
      },
      {
        test: {
          ...shared,
          name: 'browser',
          include: ['tests/browser/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
        },
      },
    ],
  },
});
