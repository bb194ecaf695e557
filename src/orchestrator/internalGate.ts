/**
 * The internal gate between every two steps (DESIGN §4): re-validates every pinned digest against
 * live state — source bytes, vocabulary (manifest), region, plan, uploaded KB documents, the
 * encrypted backup, and the DB rows written so far. Any mismatch stops the run with `STOP_DRIFT`
 * before the next step writes anything.
 */
import { createHash } from 'node:crypto';
import { StopError } from '../errors.js';
import { readBackupFile } from '../backup/backupFile.js';
import { writerDigest } from '../cutter/writerDigest.js';
import { findManifestEnvelope } from '../ledger/LegBRecorder.js';
import { findVerifyResult } from '../ledger/VerifyRecorder.js';
import { findReviewDecision } from '../ledger/enactLifecycle.js';
import { readBackIus } from '../ledger/readBackIus.js';
import type { PhaseActorInput } from '../../machines/types.js';
import type { PhaseDeps } from './PhaseDeps.js';
import { liveDocument } from './liveDocument.js';

const sha256 = (data: Uint8Array | string): string => createHash('sha256').update(data).digest('hex');

/** One drift found: what, the pinned value, the live value. */
export interface Drift {
  what: string;
  pinned: string;
  live: string;
}

/**
 * Compares the run's pins with live state; returns every drift as data (empty = none).
 * Only pins that are set are checked, so before `source_pin` there is nothing to compare.
 */
export async function findDrift(deps: PhaseDeps, { context }: PhaseActorInput): Promise<Drift[]> {
  const run = deps.run;
  const p = context.pins;
  const drift: Drift[] = [];
  const cmp = (what: string, pinned: string | undefined, live: string): void => {
    if (pinned !== undefined && pinned !== live) drift.push({ what, pinned, live });
  };
  if (context.completed.length === 0) return drift;
  const live = liveDocument(deps.config.kbDir, run.law_id);
  cmp('source bytes (source_version_id)', run.source_version_id, live.doc.sourceVersionId);
  if (drift.length > 0) return drift;
  cmp('manifest_digest (source, region, vocabulary)', p.manifest_digest, live.manifestDigest());
  cmp('region_sha', p.region_sha, live.mark().regionSha);
  cmp('writer_digest (cut plan)', p.writer_digest, live.writerDigest());
  for (const [step, up] of Object.entries(context.uploads)) {
    const committed = await deps.kb.exists(up.path);
    const bytes = committed ? sha256(await deps.kb.read(up.path)) : '(not committed)';
    cmp(`KB document of ${step} (${up.path})`, up.sha256, bytes);
  }
  if (p.backup_sha !== undefined) {
    const file = await readBackupFile(deps.config.sidecarsDir, run.run_id).catch(() => undefined);
    cmp('pre-write backup file', p.backup_sha, file?.sha256 ?? '(missing)');
  }
  if (p.change_set_id !== undefined) {
    const voided = await deps.db.query<{ id: string }>('SELECT id FROM cutter_governance.change_set_void WHERE change_set_id = $1', [p.change_set_id]);
    if (voided.rows.length > 0) drift.push({ what: 'change set voided by a sovereign (cutter_governance.change_set_void)', pinned: 'not voided', live: `voided (${voided.rows[0]?.id ?? ''})` });
    const rows = await readBackIus(deps.db, p.change_set_id);
    cmp('IU rows of the change set', String(live.plan().length), String(rows.length));
    const altered = rows.filter((r) => sha256(r.text) !== r.content_hash).map((r) => r.canonical_address);
    if (altered.length > 0) drift.push({ what: 'IU text no longer matches its content_hash', pinned: 'none altered', live: altered.slice(0, 5).join(', ') });
    cmp('writer_digest re-derived from the DB rows', p.writer_digest, writerDigest(rows));
  }
  if (p.manifest_envelope_id !== undefined && p.change_set_id !== undefined) {
    cmp('manifest_envelope row', p.manifest_envelope_id, (await findManifestEnvelope(deps.db, p.change_set_id))?.id ?? '(missing)');
  }
  if (p.verify_result_id !== undefined && p.change_set_id !== undefined) {
    cmp('verify_result row', p.verify_result_id, (await findVerifyResult(deps.db, p.change_set_id))?.id ?? '(missing)');
  }
  if (p.review_decision_id !== undefined && p.change_set_id !== undefined) {
    cmp('review_decision row', p.review_decision_id, (await findReviewDecision(deps.db, p.change_set_id))?.id ?? '(missing)');
  }
  return drift;
}

/**
 * The `internalGate` actor's body.
 * @throws StopError `STOP_DRIFT` naming every mismatch (pinned vs live, shortened)
 */
export async function internalGate(deps: PhaseDeps, input: PhaseActorInput): Promise<void> {
  const drift = await findDrift(deps, input);
  if (drift.length === 0) return;
  const short = (v: string): string => (/^[0-9a-f]{64}$/.test(v) ? `${v.slice(0, 16)}…` : v);
  throw new StopError('STOP_DRIFT', `drift before ${input.step}: ${drift.map((d) => `${d.what}: pinned ${short(d.pinned)}, live ${short(d.live)}`).join('; ')}`, {
    runId: deps.run.run_id,
    notWritten: [`${input.step} and every later step`],
    next: `restore what changed and run: orchestrate resume --run-id ${deps.run.run_id} — or void the run`,
  });
}
