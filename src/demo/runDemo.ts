/**
 * `npm run demo`: a guided run in a fresh temporary workspace on the embedded default (PGlite).
 *
 * What it shows grows with the product; every step it runs is the real command, never a mock-up.
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { runCli, type CliIO } from '../cli/program.js';

/** Runs one CLI command in the demo workspace, echoing it and its elapsed time to stdout. */
async function step(ws: string, args: string[]): Promise<number> {
  const io: CliIO = {
    stdout: (s) => process.stdout.write(s.replace(/^(?=.)/gm, '    ')),
    stderr: (s) => process.stderr.write(s.replace(/^(?=.)/gm, '    ')),
    env: { ...process.env, DATABASE_URL: '' },
    cwd: ws,
  };
  process.stdout.write(`\n$ orchestrate ${args.join(' ')}\n`);
  const t0 = performance.now();
  const code = await runCli(args, io);
  process.stdout.write(`  → exit ${code} in ${Math.round(performance.now() - t0)} ms\n`);
  return code;
}

const ws = await mkdtemp(path.join(os.tmpdir(), 'orchestrate-demo-'));
process.stdout.write(`demo workspace: ${ws} (embedded PGlite, nothing outside it is touched)\n`);
let failed = 0;
for (const args of [['db', 'migrate'], ['db', 'migrate'], ['db', 'verify']]) {
  if ((await step(ws, args)) !== 0) failed++;
}
process.exitCode = failed === 0 ? 0 : 1;
