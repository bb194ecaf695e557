/**
 * Shared helpers of the stop acceptance tests (drift, KB failure, approvals, concurrency; DESIGN
 * §4–§8): a picture of everything a run has written (DB rows, KB run folder and HEAD, sidecar
 * progress) to prove "nothing further written", git edits made by "someone else" in the KB work
 * tree, a superuser tamper of one IU row, the compiled CLI as a child process, and resume-to-done.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { openDatabase } from '../../src/db/openDatabase.js';
import { openKb } from '../../src/kb/openKb.js';
import { resume } from '../../src/commands/resume.js';
import type { RunOutcome } from '../../src/orchestrator/runOutcome.js';
import { packageRoot } from '../../src/packageRoot.js';
import { GOVERNED_TABLES } from '../../src/ledger/probeGrants.js';
import { readSidecar } from '../../src/sidecar/readSidecar.js';
import type { RunView } from '../../machines/runView.js';
import { recordingProgress, type CutWorkspace } from './cutWorkspace.js';
import { testGit } from './gitRepos.js';

/** Tables whose row counts make up the DB part of a {@link RunEffects} picture. */
const TABLES = GOVERNED_TABLES;

/** Row count per table of {@link TABLES}, plus IUs per lifecycle state (an UPDATE shows there). */
export type DbCounts = Record<string, number>;

/**
 * Everything a run has durably written, at one moment: DB row counts, the run folder's files and
 * the KB HEAD commit, and the sidecar's progress (keys, pins, uploads, completed steps).
 */
export interface RunEffects {
  db: DbCounts;
  kbFiles: string[];
  kbHead: string | undefined;
  keys: RunView['keys'];
  pins: RunView['pins'];
  uploads: string[];
  completed: string[];
}

/** Counts every row of {@link TABLES} (the test database holds only this workspace's runs). */
export async function countRows(ws: CutWorkspace): Promise<DbCounts> {
  const db = await openDatabase(ws.config);
  try {
    const counts: DbCounts = {};
    for (const table of TABLES) {
      const r = await db.query<{ n: string | number }>(`SELECT count(*) AS n FROM ${table}`);
      counts[table] = Number(r.rows[0]?.n);
    }
    const states = await db.query<{ s: string; n: string | number }>('SELECT lifecycle_state AS s, count(*) AS n FROM cutter.iu GROUP BY lifecycle_state');
    for (const row of states.rows) counts[`cutter.iu[${row.s}]`] = Number(row.n);
    return counts;
  } finally {
    await db.close();
  }
}

/** The machine's `completed` steps recorded in the sidecar's persisted snapshot. */
export function completedSteps(ctx: RunView): string[] {
  return [...ctx.completed];
}

/** Reads the run's sidecar (validated, key chain checked) and returns its view. */
export async function sidecarOf(ws: CutWorkspace, runId: string): Promise<RunView> {
  return (await readSidecar(ws.config.sidecarsDir, runId)).view;
}

/** Takes the {@link RunEffects} picture of run `runId`. */
export async function runEffects(ws: CutWorkspace, runId: string): Promise<RunEffects> {
  const ctx = await sidecarOf(ws, runId);
  const kb = await openKb({ dir: ws.config.kbDir });
  return {
    db: await countRows(ws),
    kbFiles: await kb.list(ctx.kb_folder),
    kbHead: await kb.headCommit(),
    keys: ctx.keys,
    pins: ctx.pins,
    uploads: ctx.uploads.map((u) => u.path),
    completed: completedSteps(ctx),
  };
}

/**
 * Asserts that nothing was written between two pictures: same DB rows, same run-folder files,
 * no KB commit, no new phase key, pin, upload or completed step (DESIGN §4 "nothing is written").
 */
export function expectNothingWritten(before: RunEffects, after: RunEffects): void {
  expect(after.db, 'DB rows').toEqual(before.db);
  expect(after.kbFiles, 'run folder files').toEqual(before.kbFiles);
  expect(after.kbHead, 'KB HEAD (no new commit)').toBe(before.kbHead);
  expect(after.keys, 'phase keys').toEqual(before.keys);
  expect(after.pins, 'pins').toEqual(before.pins);
  expect(after.uploads, 'uploads').toEqual(before.uploads);
  expect(after.completed, 'completed steps').toEqual(before.completed);
}

/**
 * Writes `bytes` to the KB-relative `relPath` and commits it, as a person editing the KB would
 * (not through the orchestrator). Returns the new commit.
 */
export async function commitKbFile(ws: CutWorkspace, relPath: string, bytes: Uint8Array | string, message: string): Promise<string> {
  await writeFile(path.join(ws.config.kbDir, relPath), bytes);
  const git = testGit(ws.config.kbDir);
  await git.raw(['add', '--', relPath]);
  const r = await git.commit(message, [relPath]);
  if (r.commit === '') throw new Error(`test commit of ${relPath} recorded nothing`);
  return (await git.revparse(['HEAD'])).trim();
}

/** The KB-relative path of a file inside the KB work tree. */
export function kbRelative(ws: CutWorkspace, absolute: string): string {
  return path.relative(ws.config.kbDir, absolute).split(path.sep).join('/');
}

/**
 * As a superuser, with the append-only and forward-only guards bypassed
 * (`SET LOCAL session_replication_role = replica`), replaces the text of the change set's first IU
 * (by seq). No orchestrator process may hold the database meanwhile (PGlite is single-process).
 * @returns the canonical address and the original text, so the test can put it back
 */
export async function setIuText(ws: CutWorkspace, changeSetId: string, text: (original: string) => string, address?: string): Promise<{ address: string; original: string }> {
  const db = await openDatabase(ws.config);
  try {
    return await db.transaction(async (tx) => {
      const sel = address === undefined
        ? await tx.query<{ canonical_address: string; text: string }>('SELECT canonical_address, text FROM cutter.iu WHERE change_set_id = $1 ORDER BY seq LIMIT 1', [changeSetId])
        : await tx.query<{ canonical_address: string; text: string }>('SELECT canonical_address, text FROM cutter.iu WHERE change_set_id = $1 AND canonical_address = $2', [changeSetId, address]);
      const row = sel.rows[0];
      if (row === undefined) throw new Error(`no IU in change set ${changeSetId}`);
      await tx.query('SET LOCAL session_replication_role = replica');
      const upd = await tx.query('UPDATE cutter.iu SET text = $1 WHERE change_set_id = $2 AND canonical_address = $3', [text(row.text), changeSetId, row.canonical_address]);
      if (upd.rowCount !== 1) throw new Error(`tamper of ${row.canonical_address} updated ${upd.rowCount} rows`);
      return { address: row.canonical_address, original: row.text };
    });
  } finally {
    await db.close();
  }
}

/** How a CLI child process ended: exit status, signal, and its output. */
export interface CliResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

const run = promisify(execFile);

/** Runs the compiled CLI (`dist/src/cli.js`) in the workspace with the workspace's environment. */
export async function runCli(ws: CutWorkspace, args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const bin = path.join(packageRoot(), 'dist', 'src', 'cli.js');
  try {
    const r = await run(process.execPath, [bin, '-w', ws.dir, ...args], { env: { ...ws.env, ...extraEnv }, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, signal: null, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number | string | null; signal?: string | null; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : null, signal: e.signal ?? null, stdout: e.stdout ?? '', stderr: e.stderr ?? String(err) };
  }
}

/**
 * Asserts the CLI's text report of a stop (DESIGN §8): it names the code, the run_id, what was
 * written so far, and a runbook section that exists in `runbooks/README.md`.
 */
export async function expectStopReported(result: CliResult, code: string, runId: string): Promise<void> {
  expect(result.code, result.stderr).toBe(code.startsWith('AWAITING') ? 10 : 20);
  expect(result.stdout).toContain(`stopped ${code}: `);
  expect(result.stdout).toContain(`run_id: ${runId}`);
  expect(result.stdout).toMatch(/written so far \(phase keys persisted\): /);
  const anchor = /runbook: runbooks\/README\.md#([a-z0-9_-]+)/.exec(result.stdout)?.[1];
  expect(anchor).toBe(code.toLowerCase());
  const runbooks = await readFile(path.join(packageRoot(), 'runbooks', 'README.md'), 'utf8');
  expect(runbooks.split('\n')).toContain(`## ${code}`);
}

/** Resumes run `runId`, approving (as the workspace's trusted sovereign) at each gate, until done. */
export async function resumeToDone(ws: CutWorkspace, runId: string): Promise<RunOutcome> {
  for (let i = 0; i < 6; i++) {
    const o = await resume({ config: ws.config, runId, progress: recordingProgress() });
    if (o.code === null) return o;
    if (o.code === 'AWAITING_SG1' || o.code === 'AWAITING_SG2') await ws.approve(runId, o.code === 'AWAITING_SG1' ? 'SG1' : 'SG2');
    else throw new Error(`unexpected stop ${o.code}: ${o.message}`);
  }
  throw new Error(`run ${runId} did not finish`);
}

/** The DATABASE_URL option of makeCutWorkspace for an engine context of describeEachDatabase. */
export function databaseOption(url: string | undefined): { databaseUrl?: string } {
  return url === undefined ? {} : { databaseUrl: url };
}
