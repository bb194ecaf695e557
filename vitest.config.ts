import { defineConfig } from 'vitest/config';
import { makeTestTmpRoot, TEST_TMP_ROOT_ENV } from './test/testTmpRoot.js';

// Every temp file of the run under one root (tmpfs when there is one), removed by the global setup's teardown.
const tmpRoot = (process.env[TEST_TMP_ROOT_ENV] ??= makeTestTmpRoot());

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['dist/**', 'node_modules/**'],
    // Integration tests drive whole governed cuts (real git, PGlite, PostgreSQL, child processes); on a
    // loaded 2-core machine one takes minutes. The bound is a hang guard, not a performance budget:
    // performance is measured in the benchmarks.
    testTimeout: 600_000,
    hookTimeout: 600_000,
    pool: 'forks',
    // Integration tests mostly wait on git, PostgreSQL and child processes: more workers than cores pay off.
    maxWorkers: 3,
    globalSetup: ['test/globalSetup.ts'],
    env: { TMPDIR: tmpRoot },
    reporters: ['default'],
  },
});
