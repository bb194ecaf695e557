// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The machine only orchestrates: no I/O modules, nothing from src/ but pure types/errors (STYLE.md, issues 2 and 8).
    files: ['machines/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'pg', message: 'machines/** does no I/O: take the DB through phase actors.' },
            { name: 'simple-git', message: 'machines/** does no I/O: take the KB through phase actors.' },
            { name: '@electric-sql/pglite', message: 'machines/** does no I/O.' },
          ],
          patterns: [
            { group: ['node:*'], message: 'machines/** does no I/O: no node:* modules.' },
            { group: ['@electric-sql/pglite/*', 'pg/*', 'simple-git/*'], message: 'machines/** does no I/O.' },
            { group: ['fs', 'fs/*', 'child_process', 'net', 'http', 'https', 'os', 'path', 'process'], message: 'machines/** does no I/O.' },
            {
              regex: '^(\\.\\./)+src/(?!errors\\.js$|approval/approvalRefusal\\.js$|stops/(?:facts|factsOf|stopCodeOf)\\.js$)',
              message: 'machines/** imports nothing from src/ but pure types and errors (src/errors.ts, src/stops/{facts,factsOf,stopCodeOf}.ts, src/approval/approvalRefusal.ts).',
            },
          ],
        },
      ],
    },
  },
);
