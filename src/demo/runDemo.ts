/**
 * `npm run demo` (issue 5): a complete governed cut in a fresh temporary workspace on the embedded
 * default (PGlite) — the sample statute shipped in knowledge/samples, a throwaway sovereign key —
 * cut → paused at SG1 → approve → resume → paused at SG2 → approve → resume → done, then the
 * auditor's verify, the run folder, the runs-index line and an idempotent replay.
 *
 * Every step is the real CLI command (run in-process), never a mock-up.
 */
import { copyFile, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { runCli, type CliIO } from '../cli/program.js';
import { packageRoot } from '../packageRoot.js';

const out = (s: string): void => {
  process.stdout.write(s);
};

/** Runs one CLI command in the demo workspace, echoing it, its output and its elapsed time. */
async function step(ws: string, args: string[], expectExit: number): Promise<void> {
  const indent = (s: string): string => s.replace(/^(?=.)/gm, '    ');
  const io: CliIO = { stdout: (s) => out(indent(s)), stderr: (s) => out(indent(s)), env: { ...process.env, DATABASE_URL: '', ORCHESTRATE_WORKSPACE: ws }, cwd: ws };
  out(`\n$ orchestrate ${args.join(' ')}\n`);
  const t0 = performance.now();
  const code = await runCli(args, io);
  out(`  → exit ${code} in ${Math.round(performance.now() - t0)} ms\n`);
  if (code !== expectExit) throw new Error(`demo step "orchestrate ${args.join(' ')}" exited ${code}, expected ${expectExit}`);
}

async function main(): Promise<void> {
  const ws = await mkdtemp(path.join(os.tmpdir(), 'orchestrate-demo-'));
  const sample = path.join(packageRoot(), 'knowledge', 'samples', 'sample-statute');
  out(`demo workspace: ${ws}\n(embedded PGlite, a KB git repository and a throwaway sovereign key, all inside it)\n`);
  await step(ws, ['init', ws], 0);
  await step(ws, ['keys', 'generate', '--name', 'Demo Sovereign', '--email', 'demo@sovereign.example', '--file-stem', 'demo-sovereign', '--out', 'sovereign', '--no-passphrase'], 0);
  await copyFile(path.join(ws, 'sovereign', 'demo-sovereign.pub.asc'), path.join(ws, 'keyring', 'demo-sovereign.pub.asc'));
  await writeFile(path.join(ws, 'orchestrate.yaml'), 'backup:\n  recipients: [keyring/demo-sovereign.pub.asc]\nactor: demo@localhost\n');
  out('\n(the sovereign\'s public key is now in keyring/ and is the backup recipient)\n');
  await step(ws, ['document', 'add', '--law-id', 'sample-ora', '--doc-prefix', 'SAMPLE-ORA', '--title', 'Sample Open Records Act', '--source', path.join(sample, 'source.txt'), '--vocab', path.join(sample, 'vocab.yaml')], 0);
  await step(ws, ['plan', '--document-id', 'sample-ora'], 0);
  await step(ws, ['cut', '--document-id', 'sample-ora'], 10);
  const runId = (await readdir(path.join(ws, 'sidecars'))).find((f) => f.endsWith('.json'))?.replace(/\.json$/, '') ?? '';
  const key = path.join('sovereign', 'demo-sovereign.sec.asc');
  await step(ws, ['approve', '--run-id', runId, '--gate', 'SG1', '--key', key, '--yes'], 0);
  await step(ws, ['resume', '--run-id', runId], 10);
  await step(ws, ['status', '--run-id', runId], 0);
  await step(ws, ['approve', '--run-id', runId, '--gate', 'SG2', '--key', key, '--yes'], 0);
  await step(ws, ['resume', '--run-id', runId], 0);
  await step(ws, ['verify', '--run-id', runId], 0);
  await step(ws, ['runs'], 0);
  await step(ws, ['cut', '--document-id', 'sample-ora'], 0);
  const laws = path.join(ws, 'kb', 'knowledge', 'dev', 'laws', 'sample-ora');
  const folder = (await readdir(laws)).find((f) => f.startsWith('v')) ?? '';
  out(`\nrun folder knowledge/dev/laws/sample-ora/${folder}/:\n${(await readdir(path.join(laws, folder))).sort().map((f) => `    ${f}`).join('\n')}\n`);
  const index = await readFile(path.join(ws, 'kb', 'knowledge', 'dev', 'laws', '_orchestrator-runs-index', 'v0.6-runs.md'), 'utf8');
  out(`\nruns-index line (knowledge/dev/laws/_orchestrator-runs-index/v0.6-runs.md):\n    ${index.split('\n').filter((l) => l.startsWith('- ')).join('\n    ')}\n`);
  out(`\ndemo complete. Explore it: cd ${ws} && node ${path.join(packageRoot(), 'dist', 'src', 'cli.js')} status\n`);
  out(`The demo workspace stays for you to explore; remove it with: rm -rf ${ws}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
