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
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { markRegion } from '../../src/cutter/markRegion.js';
import { planCut } from '../../src/cutter/planCut.js';
import { writerDigest } from '../../src/cutter/writerDigest.js';
import { readVocabFile } from '../../src/documents/readVocabFile.js';
import { shippedVocabDir } from '../../src/documents/shippedVocabDir.js';
import { generatedRegulation } from './generatedRegulation.js';

/** Repo root: the first directory above this file holding package.json (works from src and dist). */
function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('package.json not found above the benchmark');
    dir = up;
  }
  return dir;
}

interface Result {
  name: string;
  bytes: number;
  units: number;
  planMs: number;
  baselineMs: number;
  rssBeforeMb: number;
  peakRssMb: number;
}

/** Runs one case on a source file; only its bytes are held before planning, as in phase 3. */
function runOne(name: string, file: string): Result {
  const source = readFileSync(file);
  const { vocab } = readVocabFile(path.join(shippedVocabDir(), 'eu-regulation-eurlex.yaml'));
  const rssBeforeMb = process.memoryUsage().rss / 2 ** 20;

  let t = performance.now();
  const mark = markRegion(source, vocab, { file: name });
  const rows = planCut(mark, vocab, { documentId: 'bench', docPrefix: 'BENCH', sourceVersionId: '0'.repeat(64) });
  const digest = writerDigest(rows);
  const planMs = performance.now() - t;

  t = performance.now();
  const text = new TextDecoder('utf-8', { fatal: true }).decode(source);
  const headings = text.match(/^(CHAPTER [IVXLCDM]+|Section \d+|Article \d+|\([a-z0-9]+\)|\d+\.\s+\S)/gm)?.length ?? 0;
  const baselineMs = performance.now() - t;
  if (digest.length !== 64 || headings === 0) throw new Error('benchmark produced no result');
  return { name, bytes: source.length, units: rows.length, planMs, baselineMs, rssBeforeMb, peakRssMb: process.resourceUsage().maxRSS / 1024 };
}

function main(): void {
  const one = process.argv.indexOf('--one');
  if (one >= 0) {
    process.stdout.write(JSON.stringify(runOne(process.argv[one + 1] ?? 'gdpr', process.argv[one + 2] ?? '')));
    return;
  }
  const self = fileURLToPath(import.meta.url);
  const gdprFile = path.join(repoRoot(), '..', 'shared', 'corpus', 'gdpr', 'source.txt');
  const genFile = path.join(mkdtempSync(path.join(tmpdir(), 'bench-plan-')), 'generated.txt');
  writeFileSync(genFile, generatedRegulation(readFileSync(gdprFile, 'utf8'), 113));
  const files: Record<string, string> = { gdpr: gdprFile, generated: genFile };
  const lines = ['case           MB      IUs  plan ms   MB/s    IUs/s  baseline ms  x baseline  RSS before MB  peak RSS MB  peak/source'];
  for (const name of ['gdpr', 'generated']) {
    const child = spawnSync(process.execPath, [self, '--one', name, files[name] as string], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (child.status !== 0) throw new Error(`bench ${name} failed: ${child.stderr}`);
    const r = JSON.parse(child.stdout) as Result;
    const mb = r.bytes / 1e6;
    lines.push(
      [
        r.name.padEnd(10),
        mb.toFixed(2).padStart(6),
        String(r.units).padStart(8),
        r.planMs.toFixed(0).padStart(8),
        (mb / (r.planMs / 1000)).toFixed(1).padStart(6),
        ((r.units / r.planMs) * 1000).toFixed(0).padStart(8),
        r.baselineMs.toFixed(1).padStart(12),
        (r.planMs / r.baselineMs).toFixed(1).padStart(11),
        r.rssBeforeMb.toFixed(0).padStart(14),
        r.peakRssMb.toFixed(0).padStart(12),
        (r.peakRssMb / (r.bytes / 2 ** 20)).toFixed(1).padStart(11),
      ].join(' '),
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

main();
