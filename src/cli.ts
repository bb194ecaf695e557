#!/usr/bin/env node
/**
 * Entry point of the `orchestrate` binary (compiled to dist/src/cli.js).
 */
import process from 'node:process';
import { createInterface } from 'node:readline/promises';
import { runCli } from './cli/program.js';

/** A yes/no question on the terminal (stderr, so `--json` stdout stays clean); only when there is one. */
const confirm = process.stdin.isTTY && process.stderr.isTTY
  ? async (question: string): Promise<boolean> => {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      return /^y(es)?$/i.test((await rl.question(question)).trim());
    } finally {
      rl.close();
    }
  }
  : undefined;

const code = await runCli(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  env: process.env,
  cwd: process.cwd(),
  ...(confirm === undefined ? {} : { confirm }),
});
process.exitCode = code;
