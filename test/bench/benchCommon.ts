/**
 * What several benchmarks share (issue 11): the repository root, medians, a `git` PATH shim that
 * counts processes, the baselines' bare `git add` + `git commit` and `COPY` of IU rows into a table
 * with `cutter.iu`'s constraints. Benchmarks are never run inside vitest.
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { CopyValue } from '../../src/db/Database.js';
import type { LegARow } from '../../src/ledger/writeLegA.js';

const run = promisify(execFile);

/** Repo root: the first directory above this file holding package.json (works from src and dist). */
export function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('package.json not found above the benchmark');
    dir = up;
  }
  return dir;
}

/** Median of a non-empty list (mean of the two middle values for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/**
 * A `git` shim directory: a `git` script, first on PATH, that appends one line per invocation to
 * `log` (arguments separated by US 0x1f, so `-c user.name=A B` stays one argument) and execs
 * `realGit`. It sees the processes a program starts through PATH, not those git starts itself by
 * absolute path (such as `maintenance run --auto` after a bare commit).
 */
export function gitShim(root: string, realGit: string): { dir: string; log: string } {
  const dir = path.join(root, 'shim');
  const log = path.join(root, 'git-calls.log');
  mkdirSync(dir, { recursive: true });
  writeFileSync(log, '');
  writeFileSync(path.join(dir, 'git'), `#!/bin/sh\nprintf '%s\\037' "$@" >> '${log}'\necho >> '${log}'\nexec '${realGit}' "$@"\n`);
  chmodSync(path.join(dir, 'git'), 0o755);
  return { dir, log };
}

/** Absolute path of the real `git` on PATH. */
export async function realGitPath(): Promise<string> {
  return (await run('sh', ['-c', 'command -v git'])).stdout.trim();
}

/** Non-empty lines of a shim log (one per git process); a missing log is empty. */
export function logLines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l !== '') : [];
}

/** The subcommand of a logged `git -c a -c b sub ...` line. */
export function subcommand(line: string): string {
  const words = line.split('\x1f');
  let i = 0;
  while (words[i] === '-c' || words[i] === '-C') i += 2;
  return words[i] ?? '?';
}

/** `sub n, sub n, …` for logged calls, most frequent first. */
export function countBy(calls: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const c of calls) counts.set(subcommand(c), (counts.get(subcommand(c)) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ');
}

/** One file to commit: its path inside the repository and its text. */
export interface BenchDoc {
  path: string;
  text: string;
}

/**
 * The baseline of a KB upload: each file written and committed with a bare `git add <file>` +
 * `git commit -m` into a fresh repository `dir` (`git init` not timed).
 * @returns ms of the writes and commits
 */
export async function bareCommits(dir: string, env: Record<string, string>, docs: readonly BenchDoc[]): Promise<number> {
  mkdirSync(dir, { recursive: true });
  const git = (args: string[]): Promise<unknown> => run('git', ['-c', 'user.name=Bench', '-c', 'user.email=bench@localhost', ...args], { cwd: dir, env });
  await git(['init', '--quiet', '--initial-branch=main']);
  const t0 = performance.now();
  for (const doc of docs) {
    const file = path.join(dir, doc.path);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, doc.text);
    await git(['add', '--', doc.path]);
    await git(['commit', '-m', `bench: ${path.posix.basename(doc.path)}`]);
  }
  return performance.now() - t0;
}

/** `cutter.iu`'s columns in the order {@link copyRows} yields them. */
export const IU_COLUMNS = [
  'canonical_address', 'document_id', 'source_version_id', 'change_set_id', 'seq', 'unit_kind', 'section_type',
  'parent_address', 'ordinal', 'heading', 'text', 'content_hash', 'idempotency_key',
] as const;

/** IU rows as `COPY` values in {@link IU_COLUMNS} order, `seq` = index + 1 (as leg A numbers them). */
export function* copyRows(rows: readonly LegARow[], documentId: string, svid: string, changeSetId: string): Generator<CopyValue[]> {
  for (let i = 0; i < rows.length; i += 1) {
    const u = rows[i] as LegARow;
    yield [u.canonical_address, documentId, svid, changeSetId, i + 1, u.unit_kind, u.section_type, u.parent_address, u.ordinal, u.heading, u.text, u.content_hash, u.idempotency_key];
  }
}

/**
 * A preload (`node --import <url>`) that reports the process's peak RSS on stderr as it exits, as
 * the line `BENCH_MAX_RSS_KB <KiB>` (`process.resourceUsage().maxRSS`). Written into `dir`.
 * @returns the preload's file URL
 */
export function rssReporter(dir: string): string {
  const file = path.join(dir, 'report-rss.mjs');
  writeFileSync(file, "import process from 'node:process';\nprocess.on('exit', () => { process.stderr.write(`\\nBENCH_MAX_RSS_KB ${process.resourceUsage().maxRSS}\\n`); });\n");
  return pathToFileURL(file).href;
}
