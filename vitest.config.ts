import { defineConfig } from 'vitest/config';

/**
 * One `vitest run` for every test: unit tests beside the code, HTTP and database tests, browser tests.
 * The global setup gives the run its own PostgreSQL template database (see tooling/dev/src/testing).
 */
export default defineConfig({
  test: {
    globalSetup: ['tooling/dev/src/testing/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'tooling/*/src/**/*.test.ts'],
        },
      },
      { extends: true, test: { name: 'integration', include: ['tests/integration/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['tests/browser/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
        },
      },
    ],
  },
});
