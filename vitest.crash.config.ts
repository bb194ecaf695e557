import { defineConfig } from 'vitest/config';
import { makeTestTmpRoot, TEST_TMP_ROOT_ENV } from './test/testTmpRoot.js';

// Every temp file of the run under one root (tmpfs when there is one), removed by the global setup's teardown.
const tmpRoot = (process.env[TEST_TMP_ROOT_ENV] ??= makeTestTmpRoot());

// `npm run test:crash` (issue 13): the crash matrix, apart from `npm test` because it runs a whole
// governed cut per failpoint. Each file runs its cases two at a time; the files run side by side.
export default defineConfig({
  test: {
    include: ['test/crash/**/*.crash.ts'],
    exclude: ['dist/**', 'node_modules/**'],
    // A hang guard, not a performance budget (see vitest.config.ts).
    testTimeout: 1_200_000,
    hookTimeout: 1_200_000,
    pool: 'forks',
    maxWorkers: 2,
    maxConcurrency: 2,
    globalSetup: ['test/globalSetup.ts'],
    env: { TMPDIR: tmpRoot },
    reporters: ['default'],
  },
});
