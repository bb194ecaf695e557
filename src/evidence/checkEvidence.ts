/**
 * The one evidence checker (DESIGN §4 internal gate, §5 replay, §11 verification): every pin a run
 * has set, compared with live state — source bytes, manifest digest, region, re-derived plan,
 * uploaded KB documents, the backup file, and the DB rows. The internal gate stops on any failed
 * row (STOP_DRIFT), the replay check requires a complete run's rows, and `orchestrate verify`
 * prints them all.
 */
import type { Mark } from '../cutter/markRegion.js';
import type { StoredIu } from '../ledger/readBackIus.js';
import { checkBackupEvidence } from './checkBackupEvidence.js';
import { checkDatabaseEvidence, type CheckerOptions } from './checkDatabaseEvidence.js';
import { checkKbEvidence } from './checkKbEvidence.js';
import { checkSourceEvidence } from './checkSourceEvidence.js';
import type { Check } from './Check.js';
import type { EvidenceRun, EvidenceSources } from './EvidenceRun.js';

export type { CheckerOptions, IuRowsMode } from './checkDatabaseEvidence.js';

/** The rows, and what was read on the way (for checks built on top: lossless cut, lifecycle). */
export interface Evidence {
  /** Grouped in this order: `source.*`, `kb.*`, `backup.*`, `db.*`. */
  checks: Check[];
  /** MARK of the run's source version, when its bytes were found. */
  mark?: Mark;
  /** The run's IU rows in `seq` order, when its change set was read back (`verify` mode, not `gate`). */
  ius?: StoredIu[];
}

/**
 * Checks run `run` against live state. Only pins that are set are checked (a run's `complete`
 * flag makes a missing pin a failure); a missing `sources.db` / `sources.sidecarsDir` makes the
 * DB / backup rows skipped. Reads only. With `options.mode: 'gate'` (the internal gate) the IU rows
 * are checked by one server-side aggregate and not returned; the default `verify` reads them back
 * for the checks built on top. Either way the source is read and hashed, and MARK / CUTPLAN come
 * from the in-process memo when the bytes and vocabulary did not change (`checkSourceEvidence`).
 *
 * @example
 * const { checks } = await checkEvidence(run, { kbDir, kb, sidecarsDir, db });
 * const failed = checks.filter((c) => !c.ok); // each names itself: failed[0].check === 'db.iu_content_hash'
 * @throws the driver's error on a failing DB query, unless `options.dbErrors` is `report`
 */
export async function checkEvidence(run: EvidenceRun, sources: EvidenceSources, options: CheckerOptions = {}): Promise<Evidence> {
  const source = await checkSourceEvidence(run, sources);
  const kb = await checkKbEvidence(run, sources);
  const backup = await checkBackupEvidence(run, sources);
  const db = await checkDatabaseEvidence(run, sources.db, source.plan?.length, options);
  const evidence: Evidence = { checks: [...source.checks, ...kb, ...backup, ...db.checks] };
  if (source.mark !== undefined) evidence.mark = source.mark;
  if (db.ius !== undefined) evidence.ius = db.ius;
  return evidence;
}

/** Only the failed rows (skipped rows are not failures). */
export function failedChecks(checks: readonly Check[]): Check[] {
  return checks.filter((c) => !c.ok);
}

/** Shortens every sha256 in a value to its first 16 hex and `…`, for one-line messages. */
export function shortDigests(value: string): string {
  return value.replace(/\b[0-9a-f]{64}\b/g, (d) => `${d.slice(0, 16)}…`);
}

/** One line per failed row: its detail, then the check's name with expected and observed values (digests shortened). */
export function describeFailures(checks: readonly Check[]): string {
  return failedChecks(checks).map((c) => `${c.detail ?? c.check} (${c.check}: expected ${shortDigests(c.expected)}, observed ${shortDigests(c.observed)})`).join('; ');
}
