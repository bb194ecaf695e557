#!/usr/bin/env node
/**
 * Entry point of the `orchestrate` binary (compiled to dist/src/cli.js).
 */
import process from 'node:process';
import { runCli } from './cli/program.js';

const code = await runCli(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  env: process.env,
  cwd: process.cwd(),
});
process.exitCode = code;
