/**
 * The auditor's verification of one finished or stopped run (DESIGN §1: "auditors … can verify any
 * run"): the sidecar, the KB run folder, the approvals, the source, the database rows, the lossless
 * cut and the backup, each as its own row. Reads only: it never writes the KB, the DB or a sidecar.
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
import { addedInCommit } from './addedInCommit.js';
import { checkApprovals, type KeyringOrError } from './checkApprovals.js';
import { checkBackup } from './checkBackup.js';
import { checkDatabase } from './checkDatabase.js';
import { checkLosslessRegion } from './checkLosslessRegion.js';
import { checkRunFolder } from './checkRunFolder.js';
import { checkSidecar } from './checkSidecar.js';
import { checkSource } from './checkSource.js';
import type { StoredIu } from '../ledger/readBackIus.js';
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

async function keyringFor(config: VerifyRunOptions['config'], kbDir: string): Promise<KeyringOrError> {
  try {
    return await loadKeyring(config.keyringDir, { kbRoot: kbDir });
  } catch (error) {
    return { error: error instanceof InputError ? error.message : `cannot load the trusted keyring (${(error as Error).name})` };
  }
}

/**
 * A query failure (schema not migrated, permission denied) becomes a failed `db.read` row so the
 * other groups still report; the driver's message is kept (secrets are scrubbed by the command).
 */
async function readDatabase(db: Queryable, ctx: Parameters<typeof checkDatabase>[1]): Promise<{ checks: VerifyCheck[]; ius: StoredIu[] | undefined }> {
  try {
    return await checkDatabase(db, ctx);
  } catch (error) {
    return { checks: [{ check: 'db.read', ok: false, detail: `cannot read the run's rows: ${(error as Error).message}` }], ius: undefined };
  }
}

/** Opens the KB read-only in spirit: refuses a directory that is not already a git work tree (openKb would init one). */
async function openExistingKb(kbDir: string): Promise<KbStore> {
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
    const db = options.db ?? (opened = await openDatabase(config));
    const keyring = await keyringFor(config, kb.dir);
    const source = await checkSource(kb.dir, ctx);
    const database = await readDatabase(db, ctx);
    const checks = [
      ...sidecar.checks,
      ...(await checkRunFolder(kb, ctx, addedInCommit(kb.dir))),
      ...(await checkApprovals(kb, ctx, keyring, options.now)),
      ...source.checks,
      ...database.checks,
      ...checkLosslessRegion(ctx, source.mark, database.ius),
      ...(await checkBackup(config.sidecarsDir, ctx)),
    ];
    return { ok: checks.every((c) => c.ok), run_id: runId, state: ctx.state, checks };
  } finally {
    await opened?.close();
  }
}
