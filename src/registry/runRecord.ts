/**
 * A run's record as one host works on it (DESIGN §2, §9; issue 13): the run registry's latest
 * version is the truth, the sidecar file its local copy. Every write goes to the registry first
 * (compare-and-set on the version), then to the file, so a host that lacks the file, or holds an
 * older one, rebuilds it from the registry.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Config } from '../config/configSchema.js';
import type { Database, Queryable } from '../db/Database.js';
import { InputError, StopError } from '../errors.js';
import { failpoint } from '../failpoints/failpoint.js';
import { readSidecar } from '../sidecar/readSidecar.js';
import type { Sidecar } from '../sidecar/runContextSchema.js';
import { sidecarPaths } from '../sidecar/sidecarPaths.js';
import { serializeSidecar, writeSidecarText } from '../sidecar/writeSidecar.js';
import type { RunView } from '../../machines/runView.js';
import { writeBackupFile } from '../backup/backupFile.js';
import { appendSnapshot, latestSnapshot, recordedBackup, registerRun } from './runRegistry.js';

/** A run loaded for driving: its sidecar, view, and the registry version they are. */
export interface LoadedRun {
  sidecar: Sidecar;
  view: RunView;
  /** The registry version the sidecar is; the next write is `version + 1`. */
  version: number;
  /** How the local file related to the registry: `same`, `rebuilt` (written from the registry) or `registered` (a run the registry did not know). */
  local: 'same' | 'rebuilt' | 'registered';
}

/**
 * Loads run `runId`: the registry's latest version, written down as the local sidecar when the file
 * is missing or an older recorded version ({@link refreshLocalCopy}); a run only this host's sidecar knows (made before the registry existed)
 * is registered from it as version 1. The run's encrypted backup, when the registry has it and this
 * host does not, is written to `sidecars/<run_id>.backup.gpg`.
 * @throws InputError (`STOP_INPUT`) when neither the registry nor this host knows the run, or its
 *   recorded sidecar is invalid; StopError `STOP_DRIFT` when the local sidecar was edited by hand
 *   (nothing changed); DbUnavailable (`STOP_DB`)
 */
export async function loadRun(db: Database, config: Config, runId: string): Promise<LoadedRun> {
  const refreshed = await refreshLocalCopy(db, config, runId);
  if (refreshed !== undefined) return refreshed;
  const file = sidecarPaths(config.sidecarsDir, runId).context;
  if (!existsSync(file)) {
    throw new InputError(`unknown run ${runId}: not in the run registry of this database and no sidecar ${file}`, { file, field: 'run-id' }, [], 'orchestrate runs lists the runs (check DATABASE_URL: every host of a team uses the same database)');
  }
  const localText = await readFile(file, 'utf8');
  const { sidecar, view } = await readSidecar(config.sidecarsDir, runId);
  const text = serializeSidecar(config.sidecarsDir, sidecar);
  await db.transaction((tx) => registerRun(tx, sidecar, text), { role: config.writerRole, failpoints: false });
  if (text !== localText) await writeSidecarText(config.sidecarsDir, runId, text);
  return { sidecar, view, version: 1, local: 'registered' };
}

/**
 * Makes this host's copy of a registered run current, writing nothing to the database: the
 * sidecar file from the registry's latest version when it is missing or an older recorded
 * version, and the encrypted backup file when the registry has it and this host does not (a run
 * that moved here). A file that differs from every recorded version was edited by hand or damaged
 * (every write goes to the registry first, then atomically to the file): by default that refuses,
 * so nothing is lost and the edit is not silently undone; with `edited: 'keep'` the file is left
 * as it is, so `verify` reports it instead of repairing the evidence away.
 * @returns the run, or undefined when the registry does not know it
 * @throws StopError `STOP_DRIFT` for an edited sidecar file (default `edited: 'refuse'`): names the
 *   file and both digests, changes nothing; I/O errors of the files; DbUnavailable (`STOP_DB`)
 */
export async function refreshLocalCopy(db: Queryable, config: Pick<Config, 'sidecarsDir'>, runId: string, options: { edited?: 'refuse' | 'keep' } = {}): Promise<LoadedRun | undefined> {
  const recorded = await latestSnapshot(db, runId);
  if (recorded === undefined) return undefined;
  const paths = sidecarPaths(config.sidecarsDir, runId);
  const localText = existsSync(paths.context) ? await readFile(paths.context, 'utf8') : undefined;
  if (localText !== undefined && localText !== recorded.text && !(await isRecordedVersion(db, runId, localText))) {
    if ((options.edited ?? 'refuse') === 'keep') return { sidecar: recorded.sidecar, view: recorded.view, version: recorded.version, local: 'rebuilt' };
    throw new StopError('STOP_DRIFT', `the sidecar ${paths.context} (sha256 ${sha256(localText).slice(0, 16)}…) differs from every version of run ${runId} in the run registry (latest: version ${recorded.version}, sha256 ${sha256(recorded.text).slice(0, 16)}…): it was edited or damaged`, {
      runId,
      written: [],
      next: `move ${paths.context} aside (keep it: it shows what was changed), then run the command again: the sidecar is rebuilt from the registry`,
    });
  }
  if (localText !== recorded.text) await writeSidecarText(config.sidecarsDir, runId, recorded.text);
  if (!existsSync(paths.backup)) {
    const backup = await recordedBackup(db, runId);
    if (backup !== undefined) await writeBackupFile(config.sidecarsDir, runId, backup.bytes);
  }
  return { sidecar: recorded.sidecar, view: recorded.view, version: recorded.version, local: localText === recorded.text ? 'same' : 'rebuilt' };
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

async function isRecordedVersion(db: Queryable, runId: string, text: string): Promise<boolean> {
  const r = await db.query('SELECT 1 FROM cutter_governance.run_snapshot WHERE run_id = $1 AND sha256 = $2 LIMIT 1', [runId, sha256(text)]);
  return r.rows.length > 0;
}

/**
 * Persists `sidecar` as registry version `version`, then as the local file, between the
 * `sidecar.write.before/after` failpoints (DESIGN §10).
 * @throws InputError for an invalid sidecar (nothing written); RegistryVersionTaken (`STOP_LOCKED`)
 *   when another process recorded that version; DbUnavailable (`STOP_DB`); I/O errors of the file
 */
export async function persistSidecar(db: Database, config: Config, sidecar: Sidecar, version: number, scope?: string): Promise<void> {
  const text = serializeSidecar(config.sidecarsDir, sidecar);
  failpoint('sidecar.write.before', scope);
  await appendSnapshot(db, sidecar.run_id, version, text, config.writerRole);
  await writeSidecarText(config.sidecarsDir, sidecar.run_id, text, scope, { before: false });
}
