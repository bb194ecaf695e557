/**
 * Benchmark of MARK + CUTPLAN (+ writer digest), run from the compiled JS by `npm run bench:plan`.
 *
 * Cases: GDPR as published, and a generated ~100,000-IU regulation (GDPR's enacting terms repeated
 * with chapters and articles renumbered). Each case runs in a fresh child process so its peak RSS
 * is its own. Reported beside a baseline measured in the same process: one regex pass over the
 * same bytes (decode + a multiline heading regex). Targets (issue 3): >= 10 MB/s, within 5x the
 * baseline, peak RSS <= 10x the source size. Not a vitest test: no timed assertions in unit tests.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { markRegion } from '../../src/cutter/markRegion.js';
import { planCut } from '../../src/cutter/planCut.js';
import { writerDigest } from '../../src/cutter/writerDigest.js';
import { readVocabFile } from '../../src/documents/readVocabFile.js';
import { shippedVocabDir } from '../../src/documents/shippedVocabDir.js';
import { generatedRegulation } from './generatedRegulation.js';
import { countOptions } from './benchArgs.js';
import { median, repoRoot } from './benchCommon.js';

interface Result {
  name: string;
  bytes: number;
  units: number;
  /** MARK + CUTPLAN + writer digest, and each of the three. */
  planMs: number;
  markMs: number;
  cutMs: number;
  digestMs: number;
  baselineMs: number;
  rssBeforeMb: number;
  /** Peak RSS when the plan is done, before the baseline runs (its own decode is not the plan's). */
  peakRssMb: number;
}

/** Runs one case on a source file; only its bytes are held before planning, as in phase 3. */
function runOne(name: string, file: string): Result {
  const source = readFileSync(file);
  const { vocab } = readVocabFile(path.join(shippedVocabDir(), 'eu-regulation-eurlex.yaml'), { checkPatterns: false });
  const rssBeforeMb = process.memoryUsage().rss / 2 ** 20;

  const t0 = performance.now();
  const mark = markRegion(source, vocab, { file: name });
  const t1 = performance.now();
  const rows = planCut(mark, vocab, { documentId: 'bench', docPrefix: 'BENCH', sourceVersionId: '0'.repeat(64) });
  const t2 = performance.now();
  const digest = writerDigest(rows);
  const t3 = performance.now();
  const peakRssMb = process.resourceUsage().maxRSS / 1024;

  const t = performance.now();
  const text = new TextDecoder('utf-8', { fatal: true }).decode(source);
  const headings = text.match(/^(CHAPTER [IVXLCDM]+|Section \d+|Article \d+|\([a-z0-9]+\)|\d+\.\s+\S)/gm)?.length ?? 0;
  const baselineMs = performance.now() - t;
  if (digest.length !== 64 || headings === 0) throw new Error('benchmark produced no result');
  return { name, bytes: source.length, units: rows.length, planMs: t3 - t0, markMs: t1 - t0, cutMs: t2 - t1, digestMs: t3 - t2, baselineMs, rssBeforeMb, peakRssMb };
}

/** One table line; for a median line every number is the median over the runs. */
function format(label: string, rs: Result[]): string {
  const m = (f: (r: Result) => number): number => median(rs.map(f));
  const r0 = rs[0] as Result;
  const mb = r0.bytes / 1e6;
  return [
    label.padEnd(16),
    mb.toFixed(2).padStart(6),
    String(r0.units).padStart(7),
    m((r) => r.planMs).toFixed(0).padStart(8),
    `${m((r) => r.markMs).toFixed(0)}/${m((r) => r.cutMs).toFixed(0)}/${m((r) => r.digestMs).toFixed(0)}`.padStart(15),
    m((r) => mb / (r.planMs / 1000)).toFixed(1).padStart(6),
    m((r) => (r.units / r.planMs) * 1000).toFixed(0).padStart(8),
    m((r) => r.baselineMs).toFixed(1).padStart(9),
    m((r) => r.planMs / r.baselineMs).toFixed(1).padStart(8),
    m((r) => r.rssBeforeMb).toFixed(0).padStart(7),
    m((r) => r.peakRssMb).toFixed(0).padStart(7),
    m((r) => r.peakRssMb / (r.bytes / 2 ** 20)).toFixed(1).padStart(8),
    m((r) => (r.peakRssMb - r.rssBeforeMb) / (r.bytes / 2 ** 20)).toFixed(1).padStart(8),
  ].join(' ');
}

function main(): void {
  const one = process.argv.indexOf('--one');
  if (one >= 0) {
    process.stdout.write(JSON.stringify(runOne(process.argv[one + 1] ?? 'gdpr', process.argv[one + 2] ?? '')));
    return;
  }
  const { runs } = countOptions({ runs: 3 });
  const self = fileURLToPath(import.meta.url);
  const gdprFile = path.join(repoRoot(), '..', 'shared', 'corpus', 'gdpr', 'source.txt');
  const genDir = mkdtempSync(path.join(tmpdir(), 'bench-plan-'));
  try {
    runAll(runs, self, gdprFile, genDir);
  } finally {
    rmSync(genDir, { recursive: true, force: true });
  }
}

/** Writes the generated regulation into `genDir`, runs every case `runs` times, prints the table. */
function runAll(runs: number, self: string, gdprFile: string, genDir: string): void {
  const genFile = path.join(genDir, 'generated.txt');
  writeFileSync(genFile, generatedRegulation(readFileSync(gdprFile, 'utf8'), 113));
  const files: Record<string, string> = { gdpr: gdprFile, generated: genFile };
  const lines = [
    `${runs} run(s) per case, each in a fresh process; "median" lines are per-column medians. plan = mark/cut/digest ms.`,
    'case                 MB     IUs  plan ms mark/cut/digest   MB/s    IUs/s  base ms  x base  RSS0 MB peak MB peak/src grow/src',
  ];
  for (const name of ['gdpr', 'generated']) {
    const results: Result[] = [];
    for (let i = 0; i < runs; i++) {
      const child = spawnSync(process.execPath, [self, '--one', name, files[name] as string], { encoding: 'utf8', maxBuffer: 1 << 20 });
      if (child.status !== 0) throw new Error(`bench ${name} failed: ${child.stderr}`);
      const r = JSON.parse(child.stdout) as Result;
      results.push(r);
      lines.push(format(`${name} #${i + 1}`, [r]));
    }
    if (runs > 1) lines.push(format(`${name} median`, results));
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

main();
