import { defineConfig } from 'vitest/config';

// Two projects: `unit` (pure, fast) and `integration` (*.int.test.ts: databases, servers, browsers),
// unit first. The group orders start at 1: vitest runs files of group 0 whose project has one worker
// (a 2-core machine's default) in a sequential group after all others, which put unit last.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          sequence: { groupOrder: 1 },
          include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'web/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', 'node_modules/**'],
        },
      },
      {
        test: {
          name: 'integration',
          sequence: { groupOrder: 2 },
          include: ['src/**/*.int.test.ts', 'test/**/*.int.test.ts'],
          // Builds the admin UI bundle the browser tests load, unless it is up to date.
          globalSetup: ['./test/e2e/psa-global-setup.ts'],
          // Generous: browser and multi-process tests on a loaded 2-core machine; a passing run is fast.
          testTimeout: 180_000,
          hookTimeout: 180_000,
          pool: 'forks',
          fileParallelism: true,
          maxWorkers: 2,
        },
      },
    ],
  },
});
