#!/usr/bin/env node
// Run by `npm run build` after tsc: builds dist/pglite-template/<key>/, the migrated PGlite data
// directory that `init` and a first open copy instead of running initdb + every migration
// (issue 11). Rebuilt only when the migrations or the PGlite version changed.
import process from 'node:process';
import { performance } from 'node:perf_hooks';
import { buildPgliteTemplate } from '../dist/src/db/pgliteTemplate.js';

const started = performance.now();
const { dir, built } = await buildPgliteTemplate();
const ms = Math.round(performance.now() - started);
process.stderr.write(built ? `pglite template built: ${dir} (${ms} ms)\n` : `pglite template up to date: ${dir}\n`);
