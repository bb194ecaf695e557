/**
 * Benchmark of cut leg A (issue 11), run from the compiled JS by `npm run bench:lega`: `writeLegA`
 * (one transaction as `orchestrator_writer`: advisory lock, change set, the rows' writer digest,
 * COPY into a staging table, one guarded `INSERT … SELECT` into `cutter.iu`) against the physical
 * limit measured in the same run: `COPY` of the same rows into a fresh table with the same
 * constraints (`CREATE TABLE … (LIKE cutter.iu INCLUDING ALL)`), in a transaction of its own.
 *
 * Engines: real PostgreSQL (a throwaway database `bench_lega_<random>` on `DATABASE_URL` or the
 * machine's trust-auth server, migrated with src/db/migrate.ts and dropped at the end; skipped when
 * unreachable) and PGlite (a data directory under the OS temp dir, removed at the end). Sizes: 10k
 * and 100k synthetic IUs (law-like text of 40–1,500 characters with non-ASCII letters, tabs,
 * newlines and backslashes; no corpus needed). Each size runs `--pairs` (default 3) interleaved
 * pairs, alternating which side goes first, and prints both medians and the ratio of the medians.
 * Target: ratio <= 1.5 at 100k IUs. Not a vitest test: no timed assertions in unit tests.
 *
 * Options: `--sizes 10000,100000`, `--pairs 3`, `--engines postgres,pglite`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { uuidv7 } from 'uuidv7';
import { writerDigest } from '../../src/cutter/writerDigest.js';
import type { Database } from '../../src/db/Database.js';
import { migrate } from '../../src/db/migrate.js';
import { openPglite } from '../../src/db/openPglite.js';
import { openPostgres } from '../../src/db/openPostgres.js';
import { writeLegA, type LegARow } from '../../src/ledger/writeLegA.js';
import { copyRows, IU_COLUMNS, median } from './benchCommon.js';

const sha = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

interface Options {
  sizes: number[];
  pairs: number;
  engines: ('postgres' | 'pglite')[];
}

function parseArgs(argv: readonly string[]): Options {
  const opt: Options = { sizes: [10_000, 100_000], pairs: 3, engines: ['postgres', 'pglite'] };
  for (let i = 0; i < argv.length; i += 1) {
    const value = argv[i + 1] ?? '';
    if (argv[i] === '--sizes') opt.sizes = value.split(',').map(Number);
    else if (argv[i] === '--pairs') opt.pairs = Number(value);
    else if (argv[i] === '--engines') opt.engines = value.split(',') as Options['engines'];
    else continue;
    i += 1;
  }
  if (opt.sizes.some((n) => !Number.isInteger(n) || n < 1) || !Number.isInteger(opt.pairs) || opt.pairs < 1) throw new Error('bad --sizes or --pairs');
  return opt;
}

const WORDS = ['the', 'controller', 'shall', 'processing', 'of', 'personal', 'data', 'Member', 'State', 'supervisory', 'authority', 'pursuant', 'to', 'Article', 'paragraph', 'Verordnung', 'Behörde', 'données', 'traitement', 'žádost', 'Ελλάδα', 'ochrona', '§', '—', '“consent”'];

/** Deterministic law-like text of 40–1,500 characters; some carry a tab, a newline or a backslash. */
function unitText(i: number): string {
  const len = 40 + ((i * 7919) % 1460);
  const parts: string[] = [`(${i})`];
  let size = parts[0]?.length ?? 0;
  for (let k = 0; size < len; k += 1) {
    const w = WORDS[(i * 31 + k * 17) % WORDS.length] ?? 'the';
    parts.push(w);
    size += w.length + 1;
  }
  let text = parts.join(' ');
  if (i % 97 === 0) text += '\n(b)\tsee point (a)';
  if (i % 211 === 0) text += ' C:\\annex\\1';
  return text;
}

/** `n` IU rows of one source version, in document order (`seq` = index + 1 is added by leg A). */
function makeRows(n: number, svid: string): LegARow[] {
  const rows: LegARow[] = [];
  for (let i = 0; i < n; i += 1) {
    const article = Math.floor(i / 10) + 1;
    const isArticle = i % 10 === 0;
    const addr = isArticle ? `BENCH/art_${article}` : `BENCH/art_${article}_par_${i % 10}`;
    const text = unitText(i);
    const contentHash = sha(text);
    rows.push({
      canonical_address: addr,
      unit_kind: isArticle ? 'article' : 'paragraph',
      section_type: 'enacting_terms',
      parent_address: isArticle ? null : `BENCH/art_${article}`,
      ordinal: isArticle ? article : i % 10,
      heading: isArticle ? `Article ${article}` : null,
      text,
      content_hash: contentHash,
      idempotency_key: sha(svid + addr + contentHash),
    });
  }
  return rows;
}

interface CaseResult {
  engine: string;
  n: number;
  legA: number[];
  copy: number[];
}

/** One pair's inputs, prepared outside the timed sections: a registered source version and its rows. */
async function prepare(db: Database, n: number, tag: string): Promise<{ documentId: string; svid: string; rows: LegARow[]; digest: string }> {
  const documentId = `bench-${tag.replace(/_/g, '-')}`;
  const svid = sha(`bench source ${tag} ${randomBytes(8).toString('hex')}`);
  await db.query('INSERT INTO cutter.source_version (document_id, source_version_id, manifest_digest) VALUES ($1, $2, $3)', [documentId, svid, sha(`m ${svid}`)]);
  const rows = makeRows(n, svid);
  return { documentId, svid, rows, digest: writerDigest(rows) };
}

async function timeLegA(db: Database, n: number, tag: string): Promise<number> {
  const p = await prepare(db, n, tag);
  const t0 = performance.now();
  const r = await writeLegA(db, { runId: uuidv7(), documentId: p.documentId, sourceVersionId: p.svid, writerDigest: p.digest, rows: p.rows, replanDigest: () => p.digest, role: 'orchestrator_writer' });
  const ms = performance.now() - t0;
  if (r.iuCount !== n || r.adopted) throw new Error(`leg A wrote ${r.iuCount} of ${n} IUs`);
  return ms;
}

async function timeCopy(db: Database, n: number, tag: string): Promise<number> {
  const p = await prepare(db, n, tag);
  const table = `bench_copy_${tag.replace(/[^a-z0-9_]/g, '_')}`;
  await db.exec(`CREATE TABLE ${table} (LIKE cutter.iu INCLUDING ALL)`);
  const changeSetId = uuidv7();
  const t0 = performance.now();
  const copied = await db.transaction((tx) => tx.copyFrom(table, IU_COLUMNS, copyRows(p.rows, p.documentId, p.svid, changeSetId)));
  const ms = performance.now() - t0;
  if (copied !== n) throw new Error(`COPY wrote ${copied} of ${n} rows`);
  // Bench-only table: dropped so the next pair starts from the same state.
  await db.exec(`DROP TABLE ${table}`);
  return ms;
}

async function runEngine(engine: 'postgres' | 'pglite', db: Database, opt: Options): Promise<CaseResult[]> {
  await migrate(db);
  const out: CaseResult[] = [];
  for (const n of opt.sizes) {
    const res: CaseResult = { engine, n, legA: [], copy: [] };
    // Warm-up (not counted): plans, catalog caches, the WASM heap on PGlite.
    await timeLegA(db, Math.min(n, 2_000), `warm_a_${n}`);
    await timeCopy(db, Math.min(n, 2_000), `warm_c_${n}`);
    for (let i = 0; i < opt.pairs; i += 1) {
      const tag = `${n}_${i}`;
      if (i % 2 === 0) {
        res.legA.push(await timeLegA(db, n, `a_${tag}`));
        res.copy.push(await timeCopy(db, n, `c_${tag}`));
      } else {
        res.copy.push(await timeCopy(db, n, `c_${tag}`));
        res.legA.push(await timeLegA(db, n, `a_${tag}`));
      }
      process.stderr.write(`  ${engine} ${n}: pair ${i + 1}/${opt.pairs} leg A ${res.legA.at(-1)?.toFixed(0)} ms, COPY ${res.copy.at(-1)?.toFixed(0)} ms\n`);
    }
    out.push(res);
  }
  return out;
}

function adminDsn(): string {
  return process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

async function withPostgres(opt: Options): Promise<CaseResult[] | string> {
  const dsn = adminDsn();
  const admin = new pg.Client({ connectionString: dsn, connectionTimeoutMillis: 3_000 });
  try {
    await admin.connect();
  } catch {
    await admin.end().catch(() => undefined);
    return 'no PostgreSQL reachable on DATABASE_URL / 127.0.0.1:5432: skipped';
  }
  const name = `bench_lega_${randomBytes(6).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(dsn);
  url.pathname = `/${name}`;
  try {
    const db = await openPostgres(url.toString());
    try {
      return await runEngine('postgres', db, opt);
    } finally {
      await db.close();
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

async function withPglite(opt: Options): Promise<CaseResult[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-lega-'));
  try {
    const db = await openPglite(path.join(dir, 'pgdata'));
    try {
      return await runEngine('pglite', db, opt);
    } finally {
      await db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const opt = parseArgs(process.argv.slice(2));
  const results: CaseResult[] = [];
  for (const engine of opt.engines) {
    process.stderr.write(`${engine}…\n`);
    const r = engine === 'postgres' ? await withPostgres(opt) : await withPglite(opt);
    if (typeof r === 'string') console.log(`postgres: ${r}`);
    else results.push(...r);
  }
  console.log(`\nleg A vs COPY into (LIKE cutter.iu INCLUDING ALL), medians of ${opt.pairs} interleaved pairs; target ratio <= 1.5 at 100k IUs`);
  console.log('| engine | IUs | leg A ms (median) | COPY ms (median) | ratio | per-pair ratios |');
  console.log('|---|---:|---:|---:|---:|---|');
  for (const r of results) {
    const a = median(r.legA);
    const c = median(r.copy);
    const pairs = r.legA.map((x, i) => (x / (r.copy[i] as number)).toFixed(2)).join(', ');
    console.log(`| ${r.engine} | ${r.n} | ${a.toFixed(0)} | ${c.toFixed(0)} | ${(a / c).toFixed(2)}× | ${pairs} |`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
