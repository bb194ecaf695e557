/**
 * The auditor's verification of one finished or stopped run (DESIGN §1: "auditors … can verify any
 * run"): the sidecar, the KB run folder and the approvals (verify's own rows), the evidence rows of
 * `checkEvidence` (source, plan, KB documents, DB rows, backup — the same rows the internal gate and
 * the replay check use, here with the KB's git history), the lifecycle and the lossless cut. Reads
 * only: it never writes the KB, the DB or a sidecar.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadKeyring } from '../approval/loadKeyring.js';
import type { Config } from '../config/configSchema.js';
import type { Database, Queryable } from '../db/Database.js';
import { openDatabase } from '../db/openDatabase.js';
import { InputError } from '../errors.js';
import type { KbStore } from '../kb/KbStore.js';
import { openKb } from '../kb/openKb.js';
import { kbPathHistory } from '../evidence/addedInCommit.js';
import { checkEvidence } from '../evidence/checkEvidence.js';
import { evidenceRunOf, type KbHistory } from '../evidence/EvidenceRun.js';
import { findSourceVersion } from '../evidence/findSourceVersion.js';
import { checkApprovals, type KeyringOrError } from './checkApprovals.js';
import { checkLifecycle } from './checkLifecycle.js';
import { checkLosslessRegion } from './checkLosslessRegion.js';
import { checkRunFolder } from './checkRunFolder.js';
import { checkSidecar } from './checkSidecar.js';
import type { VerifyCheck, VerifyReport } from './VerifyCheck.js';

/** Options of {@link verifyRun}. `db` / `kb` are opened from `config` (and closed) when not given. */
export interface VerifyRunOptions {
  config: Pick<Config, 'databaseUrl' | 'pgliteDir' | 'secrets' | 'kbDir' | 'sidecarsDir' | 'keyringDir'>;
  runId: string;
  db?: Queryable;
  kb?: KbStore;
  /** Verification time for approval signatures. @default now */
  now?: Date;
}

/** The configured trusted keyring, or why it could not be loaded (then a failed row, not a throw). */
export async function keyringFor(config: VerifyRunOptions['config'], kbDir: string): Promise<KeyringOrError> {
  try {
    return await loadKeyring(config.keyringDir, { kbRoot: kbDir });
  } catch (error) {
    return { error: error instanceof InputError ? error.message : `cannot load the trusted keyring (${(error as Error).name})` };
  }
}

/** The auditor's view of the KB's git history (read-only git; one `git log` per run folder). */
export function kbHistory(kb: KbStore): KbHistory {
  const paths = kbPathHistory(kb.dir);
  return {
    revisions: (relPath) => paths.revisions(relPath),
    addedIn: (relPath) => paths.addedIn(relPath),
    findSource: (relPath, sourceVersionId) => findSourceVersion(kb.dir, relPath, sourceVersionId),
  };
}

/** Opens the KB read-only in spirit: refuses a directory that is not already a git work tree (openKb would init one). */
export async function openExistingKb(kbDir: string): Promise<KbStore> {
  if (!existsSync(path.join(kbDir, '.git'))) {
    throw new InputError(`the KB ${kbDir} is not a git work tree`, { file: kbDir, field: 'kb.dir' }, [], 'check kb.dir in orchestrate.yaml (or ORCHESTRATE_KB)');
  }
  return openKb({ dir: kbDir });
}

/**
 * Verifies run `runId`. Which rows appear depends on how far the run got: a `done` run must have
 * all 13 documents, both approvals and every DB row; a stopped run is checked for exactly what it
 * recorded so far.
 *
 * @returns `{ ok, run_id, state, checks }`, `ok` when every row passed; when the sidecar does not
 *   parse, only the failing `sidecar.parse` row (state `unreadable`)
 * @throws InputError when the run id is malformed, the run has no sidecar, or the KB is not a git
 *   work tree; StopError `STOP_DB` when the database cannot be reached
 */
export async function verifyRun(options: VerifyRunOptions): Promise<VerifyReport> {
  const { config, runId } = options;
  const sidecar = await checkSidecar(config.sidecarsDir, runId);
  const ctx = sidecar.ctx;
  if (ctx === undefined) return { ok: false, run_id: runId, state: 'unreadable', checks: sidecar.checks };

  const kb = options.kb ?? (await openExistingKb(config.kbDir));
  let opened: Database | undefined;
  try {
    // Never create a database to verify against (an empty one would read as tampering): without a
    // DATABASE_URL and without the workspace's embedded database, the DB rows are skipped.
    const db = options.db ?? (config.databaseUrl !== undefined || existsSync(config.pgliteDir) ? (opened = await openDatabase(config)) : undefined);
    const keyring = await keyringFor(config, kb.dir);
    const evidence = await checkEvidence(evidenceRunOf(ctx), { kbDir: kb.dir, kb, sidecarsDir: config.sidecarsDir, db, history: kbHistory(kb) }, { dbErrors: 'report' });
    const group = (prefix: string): VerifyCheck[] => evidence.checks.filter((c) => c.check.startsWith(`${prefix}.`));
    const lifecycle = db !== undefined && ctx.pins.change_set_id != null && evidence.ius !== undefined ? [await checkLifecycle(db, ctx, evidence.ius)] : [];
    const checks = [
      ...sidecar.checks,
      await checkRunFolder(kb, ctx),
      ...group('kb'),
      ...(await checkApprovals(kb, ctx, keyring, options.now)),
      ...group('source'),
      ...group('db'),
      ...lifecycle,
      ...(db === undefined ? [] : checkLosslessRegion(ctx, evidence.mark, evidence.ius)),
      ...group('backup'),
    ];
    return { ok: checks.every((c) => c.ok), run_id: runId, state: ctx.state, checks };
  } finally {
    await opened?.close();
  }
}
