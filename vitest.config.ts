import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['dist/**', 'node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Integration tests mostly wait on git, PostgreSQL and child processes: more workers than cores pay off.
    maxWorkers: 3,
    globalSetup: ['test/globalSetup.ts'],
    reporters: ['default'],
  },
});
