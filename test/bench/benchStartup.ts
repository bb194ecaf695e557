/**
 * Benchmark of the CLI's start (issue 11, "lazy start" and "embedded default ready at init"), run
 * from the compiled JS by `npm run bench:startup`.
 *
 * Part 1: `orchestrate --help`, `orchestrate failpoints` and `orchestrate status` (a workspace just
 * made by `init`, no runs) against `node -e 0`, as interleaved pairs (baseline, then each command),
 * each a fresh process; per-pair ratios and their medians. Target: <= 1.5x.
 *
 * Part 2: on the embedded PGlite, a fresh workspace made by `init` (plus a sovereign key and the
 * sample statute), then its first `cut`: the time from spawning `cut` to the start of its first
 * phase (the first progress line's arrival minus that phase's own reported ms), and the peak RSS of
 * the `cut` process; `node -e 0` is measured beside each. Target: <= 2 s and <= 300 MB.
 *
 * Not a vitest test: no timed assertions in unit tests. `--runs N` (default 3) sets the pairs.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { countOptions } from './benchArgs.js';
import { median, repoRoot, rssReporter } from './benchCommon.js';

const root = repoRoot();
const cli = path.join(root, 'dist', 'src', 'cli.js');

/** An environment without DATABASE_URL (so the workspace's embedded PGlite is used). */
function env(): NodeJS.ProcessEnv {
  return { PATH: process.env['PATH'], HOME: process.env['HOME'] };
}

/** Wall ms of one child process run to completion; throws when its exit status is not `expect`. */
function timed(args: string[], cwd: string, expect = 0): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { cwd, env: env(), encoding: 'utf8', maxBuffer: 16 << 20 });
  const ms = performance.now() - t0;
  if (r.status !== expect) throw new Error(`${args.join(' ')} exited ${r.status}, expected ${expect}: ${r.stderr}`);
  return ms;
}

/** `orchestrate <args>` in `cwd`, checked. */
function orchestrate(cwd: string, args: string[], expect = 0): number {
  return timed([cli, ...args], cwd, expect);
}

/** Part 1: start of cheap commands vs `node -e 0`. */
function startup(runs: number, ws: string): string[] {
  const cases: { name: string; args: string[] }[] = [
    { name: '--help', args: ['--help'] },
    { name: 'failpoints', args: ['failpoints'] },
    { name: 'status', args: ['status'] },
  ];
  const base: number[] = [];
  const ms = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  const ratio = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  timed(['-e', '0'], ws); // warm the file cache once; not counted
  for (const c of cases) orchestrate(ws, c.args);
  for (let i = 0; i < runs; i++) {
    for (const c of cases) {
      const b = timed(['-e', '0'], ws);
      const t = orchestrate(ws, c.args);
      base.push(b);
      ms.get(c.name)?.push(t);
      ratio.get(c.name)?.push(t / b);
    }
  }
  const lines = [`startup: ${runs} interleaved pair(s) per command (node -e 0, then the command), each a fresh process`, 'command         median ms  node -e 0 ms  median ratio  ratios                       target'];
  for (const c of cases) {
    const rs = ratio.get(c.name) as number[];
    lines.push(
      [
        `orchestrate ${c.name}`.padEnd(22),
        median(ms.get(c.name) as number[]).toFixed(0).padStart(6),
        median(base).toFixed(0).padStart(12),
        `${median(rs).toFixed(2)}x`.padStart(13),
        `  ${rs.map((r) => r.toFixed(2)).join(' ')}`.padEnd(29),
        c.name === 'status' ? '(reads config)' : '<= 1.5x',
      ].join(' '),
    );
  }
  return lines;
}

/** Result of one first cut after init. */
interface FirstCut {
  initMs: number;
  beforeFirstPhaseMs: number;
  firstPhase: string;
  peakRssMb: number;
  baselineMs: number;
}

/** Spawns the first `cut` and resolves when it exits, timing the first progress line. */
function firstCut(ws: string, preload: string): Promise<{ beforeFirstPhaseMs: number; firstPhase: string; peakRssMb: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--import', preload, cli, 'cut', '--document-id', 'sample-ora'], { cwd: ws, env: env() });
    let stderr = '';
    let first: { at: number; step: string; ms: number } | undefined;
    child.stdout.resume();
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      if (first === undefined) {
        const m = /[✓■] (\S+)\s+(\d+) ms/.exec(stderr);
        if (m !== null) first = { at: performance.now() - t0, step: m[1] as string, ms: Number(m[2]) };
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const rss = /BENCH_MAX_RSS_KB (\d+)/.exec(stderr);
      if (code !== 10 || first === undefined || rss === null) {
        reject(new Error(`first cut: exit ${code}, expected 10 (paused at SG1): ${stderr}`));
        return;
      }
      resolve({ beforeFirstPhaseMs: first.at - first.ms, firstPhase: first.step, peakRssMb: Number(rss[1]) / 1024 });
    });
  });
}

/** Part 2: `init` and a workspace ready to cut, then the first cut. */
async function initAndFirstCut(base: string, i: number, preload: string): Promise<FirstCut> {
  const ws = path.join(base, `ws-${i}`);
  const sample = path.join(root, 'knowledge', 'samples', 'sample-statute');
  const initMs = orchestrate(base, ['init', ws]);
  orchestrate(ws, ['keys', 'generate', '--name', 'Bench Sovereign', '--file-stem', 'bench-sovereign', '--out', 'sovereign', '--no-passphrase']);
  copyFileSync(path.join(ws, 'sovereign', 'bench-sovereign.pub.asc'), path.join(ws, 'keyring', 'bench-sovereign.pub.asc'));
  writeFileSync(path.join(ws, 'orchestrate.yaml'), 'backup:\n  recipients: [keyring/bench-sovereign.pub.asc]\nactor: bench@localhost\n');
  orchestrate(ws, ['document', 'add', '--law-id', 'sample-ora', '--doc-prefix', 'SAMPLE-ORA', '--title', 'Sample Open Records Act', '--source', path.join(sample, 'source.txt'), '--vocab', path.join(sample, 'vocab.yaml')]);
  const baselineMs = timed(['-e', '0'], ws);
  const cut = await firstCut(ws, preload);
  if (readdirSync(path.join(ws, 'sidecars')).filter((f) => f.endsWith('.json')).length !== 1) throw new Error('first cut left no sidecar');
  return { initMs, baselineMs, ...cut };
}

async function main(): Promise<void> {
  const { runs } = countOptions({ runs: 3 });
  const templates = path.join(root, 'dist', 'pglite-template');
  if (!existsSync(templates) || readdirSync(templates).length === 0) throw new Error('no PGlite template in dist/: run `npm run build` first');
  const base = mkdtempSync(path.join(tmpdir(), 'bench-startup-'));
  try {
    const ws = path.join(base, 'status-ws');
    orchestrate(base, ['init', ws]);
    const lines = startup(runs, ws);
    const preload = rssReporter(base);
    const cuts: FirstCut[] = [];
    for (let i = 0; i < runs; i++) cuts.push(await initAndFirstCut(base, i, preload));
    lines.push(
      '',
      `first cut on embedded PGlite after init: ${runs} fresh workspace(s); node -e 0 measured before each cut`,
      'run       init ms  before 1st phase ms  (1st phase)  peak RSS MB  node -e 0 ms  x node',
      ...cuts.map((c, i) => fmtCut(`#${i + 1}`, c)),
    );
    if (runs > 1) {
      const m = (f: (c: FirstCut) => number): number => median(cuts.map(f));
      lines.push(fmtCut('median', { initMs: m((c) => c.initMs), beforeFirstPhaseMs: m((c) => c.beforeFirstPhaseMs), firstPhase: cuts[0]?.firstPhase ?? '', peakRssMb: m((c) => c.peakRssMb), baselineMs: m((c) => c.baselineMs) }, m((c) => c.beforeFirstPhaseMs / c.baselineMs)));
    }
    lines.push('targets: before 1st phase <= 2000 ms, peak RSS <= 300 MB');
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

function fmtCut(label: string, c: FirstCut, ratio = c.beforeFirstPhaseMs / c.baselineMs): string {
  return [
    label.padEnd(8),
    c.initMs.toFixed(0).padStart(8),
    c.beforeFirstPhaseMs.toFixed(0).padStart(20),
    `(${c.firstPhase})`.padStart(12),
    c.peakRssMb.toFixed(0).padStart(12),
    c.baselineMs.toFixed(0).padStart(13),
    `${ratio.toFixed(1)}x`.padStart(7),
  ].join(' ');
}

await main();
