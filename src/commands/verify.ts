/**
 * `orchestrate verify --run-id R [--kb-only]` (DESIGN §1, §8, §11): the auditor's check of one run.
 * With the run's sidecar at hand it checks sidecar, KB, approvals and DB against each other; with
 * `--kb-only`, or when no sidecar of the run is at hand (an auditor's KB clone), it verifies from the
 * KB and the trusted keyring alone (`verifyKbOnly`), and says so. It never creates a database. A
 * plain function; the CLI wires it into commander and prints `text` (or `json` with `--json`) and
 * exits with `exitCode`.
 */
import { existsSync } from 'node:fs';
import type { Config } from '../config/configSchema.js';
import type { Queryable } from '../db/Database.js';
import { scrub } from '../db/redactDsn.js';
import { EXIT, InputError } from '../errors.js';
import type { KbStore } from '../kb/KbStore.js';
import type { VerifyCheck, VerifyReport } from '../verify/VerifyCheck.js';
import { canonicalRunId, verifyKbOnly, type KbOnlyReport } from '../verify/verifyKbOnly.js';
import { problemsCheck } from '../verify/VerifyCheck.js';
import { readSidecarText } from '../sidecar/readSidecar.js';
import { parseSidecar } from '../sidecar/parseSidecar.js';
import { keyringFor, openExistingKb, verifyRun } from '../verify/verifyRun.js';
import { openDatabase } from '../db/openDatabase.js';
import type { Database } from '../db/Database.js';
import { sidecarPaths } from '../sidecar/sidecarPaths.js';
import { refreshLocalCopy } from '../registry/runRecord.js';
import { DbQueryError } from '../db/dbErrors.js';

/** Options of {@link verify}. `db` / `kb` are for callers that already hold them (tests, the runner). */
export interface VerifyOptions {
  config: Pick<Config, 'databaseUrl' | 'pgliteDir' | 'secrets' | 'kbDir' | 'sidecarsDir' | 'keyringDir'>;
  runId: string;
  now?: Date;
  db?: Queryable;
  kb?: KbStore;
  /** Verify from the KB and keyring alone, even when the sidecar is at hand. */
  kbOnly?: boolean;
}

/** What the CLI prints and the exit status. */
export interface VerifyOutput {
  json: VerifyReport;
  text: string;
  /** 0 when every check passed, else 20 (`EXIT.stopped`, DESIGN §8). */
  exitCode: number;
}

function line(c: VerifyCheck): string {
  if (c.skipped === true) return `  skip  ${c.check}${c.detail === undefined ? '' : ` — ${c.detail}`}`;
  if (c.ok) return `  ok    ${c.check}${c.detail === undefined ? '' : ` — ${c.detail}`}`;
  const values = c.expected === undefined && c.observed === undefined ? '' : ` (expected ${c.expected ?? '-'}, observed ${c.observed ?? '-'})`;
  return `  FAIL  ${c.check}: ${c.detail ?? 'mismatch'}${values}`;
}

/**
 * Adds the signature-anchored chain (issue 9) to a sidecar-based verification: the chain rows of
 * {@link verifyKbOnly} (without re-deriving the evidence twice) and `chain.sidecar`, which checks the
 * sidecar's pins against the values the signed requests and the final report establish — so a
 * sidecar rewritten together with the KB (a swapped backup with `backup_sha` and the key chain
 * recomputed) still fails: the sidecar is checked against the chain, not the other way round.
 */
async function withSignedChain(report: VerifyReport, options: VerifyOptions, runId: string): Promise<VerifyReport> {
  const kb = options.kb ?? (await openExistingKb(options.config.kbDir));
  let chain: KbOnlyReport;
  try {
    chain = await verifyKbOnly({ kb, keyring: await keyringFor(options.config, kb.dir), runId, evidence: false, ...(options.now === undefined ? {} : { now: options.now }) });
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return { ...report, ok: false, checks: [...report.checks, problemsCheck('chain.sidecar', [`the KB does not show the run: ${error.message}`])] };
  }
  const rows = chain.checks.filter((c) => c.check.startsWith('chain.') || c.check === 'runs_index' || c.check === 'kb.revisions');
  // Parsed without the key-chain check: a broken chain is sidecar.key_chain's row, not a refusal here.
  const { text } = await readSidecarText(options.config.sidecarsDir, runId, { missing: (file) => `no run ${runId}: ${file} does not exist`, field: 'run_id' });
  const parsed = parseSidecar(text, { checkKeyChain: false });
  if (!parsed.ok) return report;
  const view = parsed.view;
  const problems: string[] = [];
  for (const [name, signed] of Object.entries(chain.pins)) {
    const recorded = view.pins[name as keyof typeof view.pins];
    if (recorded != null && recorded !== signed) problems.push(`${name}: the sidecar says ${recorded}, the signed chain says ${signed}`);
  }
  const sidecarRow = problemsCheck('chain.sidecar', problems, { expected: 'the sidecar pins equal the signed chain', observed: `${Object.keys(chain.pins).length} pins compared` });
  const checks = [...report.checks, ...rows, sidecarRow];
  return { ...report, ok: checks.every((c) => c.ok), checks };
}

/**
 * Verifies the run and formats the result: one line per check, then a summary naming every failed
 * check. Configured secrets are scrubbed from both forms (DESIGN §7: never a secret in output).
 *
 * @throws InputError (exit 2) for a malformed or unknown run id (with or without hyphens) or a KB that is not a git work tree;
 *   DbUnavailable (`STOP_DB`) when the database cannot be reached
 */
async function withOpenDatabase<T>(config: VerifyOptions['config'], given: Queryable | undefined, fn: (db: Queryable) => Promise<T>): Promise<T> {
  if (given !== undefined) return fn(given);
  const db = await openDatabase(config);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

export async function verify(options: VerifyOptions): Promise<VerifyOutput> {
  const runId = canonicalRunId(options.runId);
  const config = options.config;
  // A shared database is the run registry (DESIGN §9): this host's copy is made current first when
  // it is missing or an older recorded version, so any host verifies the run as recorded; an edited
  // copy is kept and fails. The embedded database is never made here.
  if (options.kbOnly !== true && (options.db !== undefined || config.databaseUrl !== undefined) && existsSync(config.sidecarsDir)) {
    await withOpenDatabase(config, options.db, (db) => refreshLocalCopy(db, config, runId, { edited: 'keep' })).catch((error: unknown) => {
      // A database no command has migrated yet has no registry: the local copy is all there is.
      if (!(error instanceof DbQueryError && error.sqlstate === '42P01')) throw error;
    });
  }
  const hasSidecar = existsSync(sidecarPaths(config.sidecarsDir, runId).context);
  let report: VerifyReport;
  let mode = '';
  if (options.kbOnly === true || !hasSidecar) {
    mode = options.kbOnly === true ? ' [kb-only]' : ` [kb-only: no sidecar of the run in ${config.sidecarsDir}; verified from the KB and the keyring alone]`;
    const kb = options.kb ?? (await openExistingKb(config.kbDir));
    let opened: Database | undefined;
    try {
      // Only a configured server is read; the embedded database is the operator's, never made here.
      const db = options.db ?? (config.databaseUrl !== undefined ? (opened = await openDatabase(config)) : undefined);
      report = await verifyKbOnly({ kb, keyring: await keyringFor(config, kb.dir), runId, ...(db === undefined ? {} : { db }), ...(options.now === undefined ? {} : { now: options.now }) });
    } finally {
      await opened?.close();
    }
  } else {
    report = await verifyRun({
      config,
      runId,
      ...(options.now === undefined ? {} : { now: options.now }),
      ...(options.db === undefined ? {} : { db: options.db }),
      ...(options.kb === undefined ? {} : { kb: options.kb }),
    });
    if (report.state !== 'unreadable') report = await withSignedChain(report, options, runId);
  }
  const secrets = options.config.secrets;
  const json: VerifyReport = secrets.length === 0 ? report : JSON.parse(scrub(JSON.stringify(report), secrets)) as VerifyReport;
  const failed = json.checks.filter((c) => !c.ok);
  const text = [
    `verify run ${json.run_id} (state ${json.state})${mode}: ${json.ok ? 'PASS' : 'FAIL'} — ${json.checks.length} checks, ${failed.length} failed`,
    ...json.checks.map(line),
    json.ok ? 'every check passed' : `failed: ${failed.map((c) => c.check).join(', ')}`,
  ].join('\n');
  return { json, text, exitCode: json.ok ? EXIT.ok : EXIT.stopped };
}
