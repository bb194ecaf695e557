/**
 * Phases 6–9 (DESIGN §4): cut leg A, structural verify, leg B record, write verify. Each first
 * looks for its own earlier effect in the database (by idempotency key or change set) and adopts it.
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { StopError } from '../../errors.js';
import { checkLossless } from '../../cutter/checkLossless.js';
import { findManifestEnvelope, recordLegB } from '../../ledger/LegBRecorder.js';
import { findVerifyResult, recordVerify } from '../../ledger/VerifyRecorder.js';
import { aggregateIuRows } from '../../ledger/iuRowsDigest.js';
import { countIusByKind, readBackIus } from '../../ledger/readBackIus.js';
import { writeLegA } from '../../ledger/writeLegA.js';
import { structuralVerifyKey } from '../../sidecar/phaseKeys.js';
import type { GateName } from '../../../machines/steps.js';
import type { CutContext, PhaseActorInput, PhaseOutput } from '../../../machines/types.js';
import { pinOf, type PhaseDeps } from '../PhaseDeps.js';
import { invariant, phaseReport, sortedCounts } from '../phaseReport.js';
import { publishAfterWrite, publishRunDocument } from '../publishRunDocument.js';
import { liveSourceOfRun } from './prePhases.js';

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

function refusedLines(context: CutContext, gate: GateName): string[] {
  const a = context.approvals[gate];
  return [
    ...(a.accepted === null ? [] : [`${gate} approved by ${a.accepted.signer_fingerprint.toUpperCase()} in ${a.accepted.name}`]),
    ...a.refused.map((r) => `${gate} approval ${r.name} refused: ${r.reason}`),
  ];
}

/** Phase 6: one transaction writes the change set and every IU (or adopts the committed one). */
export async function cutLegA(deps: PhaseDeps, { context }: PhaseActorInput): Promise<PhaseOutput> {
  const run = deps.run;
  const approval = context.approvals.SG1.accepted;
  if (approval === null || approval.decision !== 'approve' || approval.sha256 !== context.pins.sg1_approval_sha256) {
    throw new StopError('STOP_APPROVAL_INVALID', 'cut leg A needs the accepted SG1 approval recorded in the sidecar', { runId: run.run_id, written: [] });
  }
  // The source is read and its version checked (STOP_DRIFT when it changed); the plan comes from the
  // cut memo, which the internal gate just derived and checked against the pins.
  const rows = liveSourceOfRun(deps).plan();
  const pinned = pinOf(context, 'writer_digest');
  const r = await writeLegA(deps.db, {
    runId: run.run_id,
    documentId: run.document_id,
    sourceVersionId: run.source_version_id,
    writerDigest: pinned,
    rows,
    replanDigest: () => liveSourceOfRun(deps).writerDigest(),
    role: deps.config.writerRole,
  });
  const upload = await publishAfterWrite(deps, 'cut_leg_a', phaseReport(deps, 'cut_leg_a', context, {
    productionMutation: `cutter.iu + cutter_governance.cut_change_set: ${run.document_id} change set ${r.changeSetId}`,
    work: [
      ...refusedLines(context, 'SG1'),
      `took the advisory lock of document ${run.document_id}`,
      're-read and hashed the source inside the transaction, took its plan from the cut memo (the plan the internal gate just checked) and asserted writer_digest',
      `inserted cut_change_set and ${r.iuCount} IUs (COPY into a staging table, then one guarded INSERT … SELECT) as ${deps.config.writerRole}, one transaction (a change set this run committed earlier is found by its idempotency key and adopted)`,
    ],
    diff: [{ item: 'cutter.iu rows of this change set', pre: null, post: r.iuCount }],
    invariants: [invariant('IUs written = IUs planned', rows.length, r.iuCount)],
    verdict: { change_set_id: r.changeSetId, idempotency_key: r.idempotencyKey, iu_count: r.iuCount },
  }), [`cut_change_set ${r.changeSetId} and its ${r.iuCount} IUs`]);
  return { pins: { change_set_id: r.changeSetId }, keys: { cut_leg_a: r.changeSetId }, upload };
}

/** Phase 7: read the IUs back; count, hashes, tree shape and lossless re-assembly of the region. */
export async function structuralVerify(deps: PhaseDeps, { context }: PhaseActorInput): Promise<PhaseOutput> {
  const run = deps.run;
  const live = liveSourceOfRun(deps);
  const mark = live.mark();
  const plan = live.plan();
  const changeSetId = pinOf(context, 'change_set_id');
  const rows = await readBackIus(deps.db, changeSetId);
  const addresses = new Set(rows.map((r) => r.canonical_address));
  const badHash = rows.filter((r) => sha256(r.text) !== r.content_hash).length;
  const orphans = rows.filter((r) => r.parent_address !== null && !addresses.has(r.parent_address)).length;
  const planOrder = plan.map((u) => u.canonical_address).join('\n') === rows.map((r) => r.canonical_address).join('\n');
  const lossless = checkLossless(mark.text, rows, mark.excluded);
  const checks = [
    invariant('IU count = planned count', plan.length, rows.length),
    invariant('IUs whose text does not hash to content_hash', 0, badHash),
    invariant('IUs whose parent is missing', 0, orphans),
    invariant('document order = plan order', true, planOrder),
    invariant('texts + excluded spans re-assemble the region (lossless)', true, lossless.ok),
    invariant('region_sha unchanged', context.pins.region_sha ?? null, mark.regionSha),
  ];
  const payload = { change_set_id: changeSetId, iu_count: rows.length, bad_hash: badHash, orphans, plan_order: planOrder, lossless: lossless.ok, region_sha: mark.regionSha };
  const payloadSha = sha256(canonicalize(payload) ?? '');
  if (!checks.every((c) => c.ok)) {
    throw new StopError('STOP_STRUCTURAL_VERIFY', `structural verify of change set ${changeSetId} failed: ${checks.filter((c) => !c.ok).map((c) => `${c.invariant} (expected ${String(c.expected)}, observed ${String(c.observed)})`).join('; ')}${lossless.ok ? '' : ` — ${lossless.reason} at region offset ${lossless.firstMismatchOffset}`}`, {
      runId: run.run_id,
      written: [`cut_change_set ${changeSetId} and its IUs (leg A)`],
      notWritten: ['manifest_envelope', 'verify_result', 'review_decision'],
    });
  }
  const key = structuralVerifyKey(changeSetId, payloadSha);
  const upload = await publishRunDocument(deps, 'structural_verify', phaseReport(deps, 'structural_verify', context, {
    work: [`read back ${rows.length} IUs of change set ${changeSetId} in seq order`, 'checked count, per-IU body hash, parent links, order and lossless re-assembly'],
    invariants: checks,
    verdict: { structural_verify_payload_sha: payloadSha, key },
  }));
  return { pins: { structural_verify_payload_sha: payloadSha }, keys: { structural_verify: key }, upload };
}

/** Phase 8: LegBRecorder records the manifest envelope (adopting this run's own earlier row). */
export async function legBRecord(deps: PhaseDeps, { context }: PhaseActorInput): Promise<PhaseOutput> {
  const run = deps.run;
  const p = context.pins;
  const changeSetId = pinOf(context, 'change_set_id');
  const counts = sortedCounts(await countIusByKind(deps.db, changeSetId));
  const existing = await findManifestEnvelope(deps.db, changeSetId);
  let id: string;
  if (existing !== undefined) {
    if (existing.run_id !== run.run_id) {
      throw new StopError('STOP_REPLAY_CONFLICT', `change set ${changeSetId} already has a manifest envelope from run ${existing.run_id}`, { runId: run.run_id });
    }
    id = existing.id;
  } else {
    id = await recordLegB(deps.db, {
      change_set_id: changeSetId,
      run_id: run.run_id,
      manifest_digest: pinOf(context, 'manifest_digest'),
      region_sha: pinOf(context, 'region_sha'),
      writer_digest: pinOf(context, 'writer_digest'),
      iu_count: counts['total'] ?? 0,
      envelope: { document_id: run.document_id, doc_prefix: run.doc_prefix, source_version_id: run.source_version_id, counts, structural_verify_payload_sha: p.structural_verify_payload_sha ?? null, backup_sha: p.backup_sha ?? null, grant_probe_sha: p.grant_probe_sha ?? null },
    }, { role: deps.config.writerRole });
  }
  const upload = await publishAfterWrite(deps, 'leg_b_record', phaseReport(deps, 'leg_b_record', context, {
    productionMutation: `cutter_governance.manifest_envelope: change set ${changeSetId}`,
    work: ['LegBRecorder recorded the manifest envelope (it refuses an existing row; this run\'s own earlier row is adopted)'],
    diff: [{ item: 'manifest_envelope rows of this change set', pre: null, post: 1 }],
    verdict: { manifest_envelope_id: id, key: id },
  }), [`manifest_envelope ${id}`]);
  return { pins: { manifest_envelope_id: id }, keys: { leg_b_record: id }, upload };
}

/** Phase 9: VerifyRecorder re-derives writer_digest from the DB rows and records the result. */
export async function writeVerify(deps: PhaseDeps, { context }: PhaseActorInput): Promise<PhaseOutput> {
  const run = deps.run;
  const changeSetId = pinOf(context, 'change_set_id');
  // Re-derived by the database over the stored rows (the writer digest's serialisation in SQL, held
  // byte for byte to writerDigest by the aggregate's tests): no row is read into this process.
  const stored = await aggregateIuRows(deps.db, changeSetId);
  const derived = stored.writerDigest;
  const outcome = derived === context.pins.writer_digest ? 'PASS' : 'FAIL';
  const existing = await findVerifyResult(deps.db, changeSetId);
  let id: string;
  if (existing !== undefined) {
    if (existing.run_id !== run.run_id) throw new StopError('STOP_REPLAY_CONFLICT', `change set ${changeSetId} already has a verify result from run ${existing.run_id}`, { runId: run.run_id });
    id = existing.id;
  } else {
    id = await recordVerify(deps.db, { change_set_id: changeSetId, run_id: run.run_id, derived_writer_digest: derived, iu_count: stored.iuCount, outcome }, { role: deps.config.writerRole });
  }
  const failed = outcome === 'FAIL' || existing?.outcome === 'FAIL';
  // The report is uploaded either way: a recorded verify result never lacks its KB document.
  const upload = await publishAfterWrite(deps, 'write_verify', phaseReport(deps, 'write_verify', context, {
    outcome: failed ? 'FAIL' : 'PASS',
    productionMutation: `cutter_governance.verify_result: change set ${changeSetId}`,
    work: [`re-derived writer_digest from the ${stored.iuCount} DB rows (one server-side aggregate over them)`, 'VerifyRecorder recorded the verify result (it refuses an existing row; this run\'s own earlier row is adopted)'],
    invariants: [invariant('derived writer_digest = pinned writer_digest', context.pins.writer_digest ?? null, derived)],
    verdict: { verify_result_id: id, outcome: failed ? 'FAIL' : 'PASS', key: id },
  }), [`verify_result ${id} (${failed ? 'FAIL' : 'PASS'})`]);
  if (failed) {
    throw new StopError('STOP_WRITE_VERIFY', `the writer digest re-derived from the DB rows (${derived.slice(0, 16)}…) differs from the pinned one (${(pinOf(context, 'writer_digest')).slice(0, 16)}…)`, {
      runId: run.run_id,
      written: [`verify_result ${id} (FAIL)`, upload.path],
    });
  }
  return { pins: { verify_result_id: id }, keys: { write_verify: id }, upload };
}
