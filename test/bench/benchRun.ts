/**
 * Benchmark of a whole governed cut (issue 11, `bench:run`), run from the compiled JS by
 * `npm run bench:run`.
 *
 * Full run: in a fresh workspace (made by `init`, a sovereign key, the law added with the shipped
 * `eu-regulation-eurlex` vocabulary; none of it timed) the real CLI's `cut` (paused at SG1),
 * `resume` (paused at SG2) and `resume` (done), each a fresh process; the sovereign's two
 * `approve` commands run between them and are not timed. Measured: the sum of the three processes'
 * wall ms, their peak RSS (a preload reports `process.resourceUsage().maxRSS`), the git processes
 * they start (a `git` shim first on PATH), and each step's own ms from the progress lines.
 *
 * Baseline, measured in the same run (the physical work of a cut, issue 11's table): MARK + CUTPLAN
 * + writer digest of the same source in this process, `COPY` of the planned rows into a fresh
 * `CREATE TABLE … (LIKE cutter.iu INCLUDING ALL)` on the same engine, and the run folder's 13
 * orchestrator documents (taken from a full run's KB) committed with a bare `git add` + `git
 * commit` each into a fresh repository. Target: full run ≤ 3× the baseline; ≤ 60 git processes for
 * GDPR; peak RSS ≤ 400 MB at 100k IUs; PGlite ≤ 1.5× PostgreSQL for GDPR.
 *
 * Cases: GDPR (`../shared/corpus/gdpr/source.txt`) and the generated ~100,000-IU regulation
 * (`generatedRegulation.ts`); skipped with a line when the corpus is absent. Engines: real PostgreSQL
 * (a throwaway database per full run and per baseline on `DATABASE_URL` or 127.0.0.1:5432, dropped at
 * the end; skipped with a line when no server answers) and the embedded PGlite. Options: `--pairs N`
 * (default 3, interleaved full/baseline pairs, alternating which goes first), `--cases gdpr,100k`,
 * `--engines postgres,pglite`.
 *
 * Not a vitest test: no timed assertions in unit tests.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { uuidv7 } from 'uuidv7';
import { markRegion } from '../../src/cutter/markRegion.js';
import { planCut } from '../../src/cutter/planCut.js';
import { writerDigest } from '../../src/cutter/writerDigest.js';
import type { Database } from '../../src/db/Database.js';
import { migrate } from '../../src/db/migrate.js';
import { openPglite } from '../../src/db/openPglite.js';
import { openPostgres } from '../../src/db/openPostgres.js';
import { readVocabFile } from '../../src/documents/readVocabFile.js';
import { shippedVocabDir } from '../../src/documents/shippedVocabDir.js';
import { countOptions } from './benchArgs.js';
import { bareCommits, type BenchDoc, copyRows, countBy, gitShim, IU_COLUMNS, logLines, median, realGitPath, repoRoot, rssReporter } from './benchCommon.js';
import { generatedRegulation } from './generatedRegulation.js';

type Engine = 'postgres' | 'pglite';
type CaseName = 'gdpr' | '100k';

const root = repoRoot();
const cli = path.join(root, 'dist', 'src', 'cli.js');
const VOCAB = 'eu-regulation-eurlex';

/** One law to cut: where its source is, its law-id and doc prefix. */
interface LawCase {
  name: CaseName;
  source: string;
  lawId: string;
  prefix: string;
}

/** What one full run measured. */
interface FullRun {
  ms: number;
  /** Wall ms of each of the three processes (cut, resume, resume). */
  processMs: number[];
  peakRssMb: number;
  gitProcesses: number;
  gitBySubcommand: string;
  /** Each step's own ms, summed over the three processes. */
  steps: Map<string, number>;
  /** The 13 orchestrator documents of the run folder (approvals excluded), for the baseline's commits. */
  docs: BenchDoc[];
}

/** What one baseline measured. */
interface Baseline {
  ms: number;
  planMs: number;
  copyMs: number;
  commitMs: number;
  rows: number;
}

interface Options {
  pairs: number;
  cases: CaseName[];
  engines: Engine[];
}

function options(): Options {
  const { pairs } = countOptions({ pairs: 3 });
  const { values } = parseArgs({ args: process.argv.slice(2), options: { cases: { type: 'string' }, engines: { type: 'string' } }, strict: false, allowPositionals: true });
  const list = <T extends string>(raw: unknown, allowed: readonly T[], name: string): T[] => {
    if (typeof raw !== 'string') return [...allowed];
    const items = raw.split(',').map((s) => s.trim());
    const bad = items.filter((s) => !allowed.includes(s as T));
    if (bad.length > 0) throw new Error(`--${name} ${raw}: unknown ${bad.join(', ')} (known: ${allowed.join(', ')})`);
    return items as T[];
  };
  return { pairs, cases: list(values['cases'], ['gdpr', '100k'] as const, 'cases'), engines: list(values['engines'], ['postgres', 'pglite'] as const, 'engines') };
}

/** The result of one CLI process. */
interface Exited {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs `orchestrate <args>` in `cwd` to completion (optionally with the RSS preload). */
function orchestrate(cwd: string, args: string[], env: NodeJS.ProcessEnv, preload?: string): Promise<Exited> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const argv = preload === undefined ? [cli, ...args] : ['--import', preload, cli, ...args];
    const child = spawn(process.execPath, argv, { cwd, env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: performance.now() - t0 }));
  });
}

/** `orchestrate <args>`, failing the benchmark when the exit status is not `expect`. */
async function checked(cwd: string, args: string[], env: NodeJS.ProcessEnv, expect = 0, preload?: string): Promise<Exited> {
  const r = await orchestrate(cwd, args, env, preload);
  if (r.code !== expect) throw new Error(`orchestrate ${args.join(' ')} exited ${r.code}, expected ${expect}:\n${r.stderr}\n${r.stdout}`);
  return r;
}

/** A throwaway PostgreSQL database: its DSN and how to drop it. */
interface ThrowawayDb {
  url: string;
  drop(): Promise<void>;
}

const adminDsn = (): string => process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function postgresReachable(): Promise<boolean> {
  const admin = new pg.Client({ connectionString: adminDsn(), connectionTimeoutMillis: 3_000 });
  try {
    await admin.connect();
    return true;
  } catch {
    return false;
  } finally {
    await admin.end().catch(() => undefined);
  }
}

async function throwawayDb(tag: string): Promise<ThrowawayDb> {
  const name = `bench_run_${tag}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminDsn() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminDsn());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const a = new pg.Client({ connectionString: adminDsn() });
      await a.connect();
      try {
        await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await a.end();
      }
    },
  };
}

/** Sums the `✓ step  N ms` progress lines of a process's stderr into `into`. */
function addSteps(stderr: string, into: Map<string, number>): void {
  for (const m of stderr.matchAll(/[✓■] (\S+)\s+(\d+) ms/g)) into.set(m[1] as string, (into.get(m[1] as string) ?? 0) + Number(m[2]));
}

/** One full run: setup (not timed), then cut → approve → resume → approve → resume. */
async function fullRun(base: string, law: LawCase, engine: Engine, tag: string, tools: { preload: string; realGit: string }, drops: ThrowawayDb[]): Promise<FullRun> {
  const ws = path.join(base, `ws-${tag}`);
  const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'], HOME: process.env['HOME'], ORCHESTRATE_WORKSPACE: ws };
  if (engine === 'postgres') {
    const db = await throwawayDb(tag);
    drops.push(db);
    env['DATABASE_URL'] = db.url;
  } else {
    env['DATABASE_URL'] = '';
  }
  await checked(base, ['init', ws], env);
  await checked(ws, ['keys', 'generate', '--name', 'Bench Sovereign', '--email', 'bench@example.org', '--file-stem', 'bench-sovereign', '--out', 'sovereign', '--no-passphrase'], env);
  copyFileSync(path.join(ws, 'sovereign', 'bench-sovereign.pub.asc'), path.join(ws, 'keyring', 'bench-sovereign.pub.asc'));
  await checked(ws, ['init', '--backup-recipient', 'keyring/bench-sovereign.pub.asc'], env);
  if (engine === 'postgres') await checked(ws, ['db', 'migrate'], env);
  await checked(ws, ['document', 'add', '--law-id', law.lawId, '--doc-prefix', law.prefix, '--title', `Bench ${law.name}`, '--source', law.source, '--vocab', VOCAB], env);

  // The orchestrator passes git only PATH and HOME (kbGitEnv.ts): one shim per run keeps its count apart.
  const shim = gitShim(path.join(base, `shim-${tag}`), tools.realGit);
  const timedEnv: NodeJS.ProcessEnv = { ...env, PATH: `${shim.dir}:${env['PATH'] ?? ''}` };
  const key = path.join('sovereign', 'bench-sovereign.sec.asc');
  const steps = new Map<string, number>();
  const processMs: number[] = [];
  let peakKb = 0;
  const timed = async (args: string[], expect: number): Promise<Exited> => {
    const r = await checked(ws, args, timedEnv, expect, tools.preload);
    processMs.push(r.ms);
    addSteps(r.stderr, steps);
    const rss = /BENCH_MAX_RSS_KB (\d+)/.exec(r.stderr);
    if (rss !== null) peakKb = Math.max(peakKb, Number(rss[1]));
    return r;
  };
  const cut = await timed(['cut', '--document-id', law.lawId, '--json'], 10);
  const runId = (JSON.parse(cut.stdout) as { run_id: string }).run_id;
  await checked(ws, ['approve', runId, '--gate', 'SG1', '--key', key, '--yes'], env);
  await timed(['resume', runId], 10);
  await checked(ws, ['approve', runId, '--gate', 'SG2', '--key', key, '--yes'], env);
  await timed(['resume', runId, '--json'], 0);
  const status = JSON.parse((await checked(ws, ['status', '--run-id', runId, '--json'], env)).stdout) as { kb_folder?: string };

  const folder = status.kb_folder ?? '';
  const folderDir = path.join(ws, 'kb', folder);
  const docs = readdirSync(folderDir)
    .filter((f) => f.endsWith('.md') && !f.includes('-approval-'))
    .sort()
    .map((f) => ({ path: `${folder}/${f}`, text: readFileSync(path.join(folderDir, f), 'utf8') }));
  const calls = logLines(shim.log);
  return {
    ms: processMs.reduce((a, b) => a + b, 0),
    processMs,
    peakRssMb: peakKb / 1024,
    gitProcesses: calls.length,
    gitBySubcommand: countBy(calls),
    steps,
    docs,
  };
}

/** One baseline: plan in this process, COPY of the rows on the same engine, bare commits of `docs`. */
async function baseline(base: string, law: LawCase, engine: Engine, tag: string, docs: readonly BenchDoc[], drops: ThrowawayDb[]): Promise<Baseline> {
  const source = readFileSync(law.source);
  const { vocab } = readVocabFile(path.join(shippedVocabDir(), `${VOCAB}.yaml`), { checkPatterns: false });
  const t0 = performance.now();
  const mark = markRegion(source, vocab, { file: law.source });
  const rows = planCut(mark, vocab, { documentId: law.lawId, docPrefix: law.prefix, sourceVersionId: '0'.repeat(64) });
  writerDigest(rows);
  const planMs = performance.now() - t0;

  let db: Database;
  let pgliteDir: string | undefined;
  if (engine === 'postgres') {
    const t = await throwawayDb(`b${tag}`);
    drops.push(t);
    db = await openPostgres(t.url);
  } else {
    pgliteDir = path.join(base, `pglite-${tag}`);
    db = await openPglite(pgliteDir);
  }
  let copyMs: number;
  try {
    await migrate(db);
    await db.exec('CREATE TABLE bench_copy (LIKE cutter.iu INCLUDING ALL)');
    const t1 = performance.now();
    const copied = await db.transaction((tx) => tx.copyFrom('bench_copy', IU_COLUMNS, copyRows(rows, law.lawId, '0'.repeat(64), uuidv7())));
    copyMs = performance.now() - t1;
    if (copied !== rows.length) throw new Error(`COPY wrote ${copied} of ${rows.length} rows`);
  } finally {
    await db.close();
    if (pgliteDir !== undefined) rmSync(pgliteDir, { recursive: true, force: true });
  }
  const gitEnv = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: base, LANG: 'C', LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0' };
  const commitMs = await bareCommits(path.join(base, `bare-${tag}`), gitEnv, docs);
  return { ms: planMs + copyMs + commitMs, planMs, copyMs, commitMs, rows: rows.length };
}

/** The laws to cut, written where the CLI can read them; a line for each case that cannot run. */
function lawCases(base: string, wanted: readonly CaseName[]): { cases: LawCase[]; skipped: string[] } {
  const gdpr = path.resolve(root, '..', 'shared', 'corpus', 'gdpr', 'source.txt');
  if (!existsSync(gdpr)) return { cases: [], skipped: [`corpus absent (${gdpr}): every case skipped`] };
  const cases: LawCase[] = [];
  if (wanted.includes('gdpr')) cases.push({ name: 'gdpr', source: gdpr, lawId: 'gdpr', prefix: 'GDPR' });
  if (wanted.includes('100k')) {
    const file = path.join(base, 'generated-regulation.txt');
    writeFileSync(file, generatedRegulation(readFileSync(gdpr, 'utf8'), 113));
    cases.push({ name: '100k', source: file, lawId: 'gen-100k', prefix: 'GEN-100K' });
  }
  return { cases, skipped: [] };
}

const fmt = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

async function main(): Promise<void> {
  const opt = options();
  const base = mkdtempSync(path.join(tmpdir(), 'bench-run-'));
  const drops: ThrowawayDb[] = [];
  const out: string[] = [];
  try {
    const { cases, skipped } = lawCases(base, opt.cases);
    out.push(...skipped);
    const engines: Engine[] = [];
    for (const e of opt.engines) {
      if (e === 'postgres' && !(await postgresReachable())) out.push('postgres: no server on DATABASE_URL / 127.0.0.1:5432: skipped');
      else engines.push(e);
    }
    const tools = { preload: rssReporter(base), realGit: await realGitPath() };
    const table: string[] = [
      `whole run (cut + resume + resume, 3 processes) vs baseline (plan + COPY into LIKE cutter.iu + 13 bare add+commit), medians of ${opt.pairs} interleaved pair(s)`,
      '| case | engine | IUs | full run | baseline (plan / COPY / commits) | ratio | per-pair ratios | git processes | peak RSS |',
      '|---|---|---:|---:|---:|---:|---|---:|---:|',
    ];
    const fullMedian = new Map<string, number>();
    const breakdowns: string[] = [];
    for (const law of cases) {
      for (const engine of engines) {
        const fulls: FullRun[] = [];
        const bases: Baseline[] = [];
        for (let i = 0; i < opt.pairs; i++) {
          const tag = `${law.name}_${engine}_${i}`.replace(/[^a-z0-9_]/g, '_');
          const doFull = async (): Promise<void> => void fulls.push(await fullRun(base, law, engine, tag, tools, drops));
          // The baseline commits a full run's documents: the first pair runs the full run first.
          const doBase = async (): Promise<void> => void bases.push(await baseline(base, law, engine, tag, (fulls.at(-1) as FullRun).docs, drops));
          if (i % 2 === 0) await doFull().then(doBase);
          else await doBase().then(doFull);
          const f = fulls.at(-1) as FullRun;
          const b = bases.at(-1) as Baseline;
          process.stderr.write(`  ${law.name} ${engine} pair ${i + 1}/${opt.pairs}: full ${fmt(f.ms)} (${f.processMs.map(fmt).join(' + ')}), baseline ${fmt(b.ms)}, git ${f.gitProcesses}, peak RSS ${f.peakRssMb.toFixed(0)} MB\n`);
        }
        const fm = median(fulls.map((f) => f.ms));
        const bm = median(bases.map((b) => b.ms));
        fullMedian.set(`${law.name}/${engine}`, fm);
        const ratios = fulls.map((f, i) => (f.ms / (bases[i] as Baseline).ms).toFixed(2)).join(', ');
        const last = fulls.at(-1) as FullRun;
        table.push(
          `| ${law.name} | ${engine} | ${(bases[0] as Baseline).rows} | ${fmt(fm)} | ${fmt(bm)} (${fmt(median(bases.map((b) => b.planMs)))} / ${fmt(median(bases.map((b) => b.copyMs)))} / ${fmt(median(bases.map((b) => b.commitMs)))}) | ${(fm / bm).toFixed(2)}× | ${ratios} | ${median(fulls.map((f) => f.gitProcesses))} | ${median(fulls.map((f) => f.peakRssMb)).toFixed(0)} MB |`,
        );
        const steps = new Map<string, number[]>();
        for (const f of fulls) for (const [k, v] of f.steps) steps.set(k, [...(steps.get(k) ?? []), v]);
        const top = [...steps].map(([k, v]) => [k, median(v)] as const).sort((a, b) => b[1] - a[1]);
        const stepSum = top.reduce((a, [, v]) => a + v, 0);
        breakdowns.push(
          `${law.name} ${engine}: steps ${fmt(stepSum)} of ${fmt(fm)} (the rest: process start, configuration, opening the database, locks, the sidecar): ${top.slice(0, 8).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')}`,
          `  git processes: ${last.gitBySubcommand}`,
        );
      }
    }
    out.push(...table, '', 'where a full run spends its time (medians of each step\'s own ms, summed over the 3 processes):', ...breakdowns);
    const pgl = fullMedian.get('gdpr/pglite');
    const pgs = fullMedian.get('gdpr/postgres');
    if (pgl !== undefined && pgs !== undefined) out.push('', `PGlite vs PostgreSQL, whole GDPR run: ${(pgl / pgs).toFixed(2)}× (target ≤ 1.5×)`);
    const big = fullMedian.get('100k/pglite');
    const bigPg = fullMedian.get('100k/postgres');
    if (big !== undefined && bigPg !== undefined) out.push(`PGlite vs PostgreSQL, whole 100k run: ${(big / bigPg).toFixed(2)}×`);
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    for (const d of drops) await d.drop().catch((err: unknown) => process.stderr.write(`drop failed: ${String(err)}\n`));
    rmSync(base, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
