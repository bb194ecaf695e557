/**
 * Phases 10 and 11 (DESIGN §4): lifecycle enact under the SG2 approval, and closeout (final report
 * and the runs-index line).
 */
import { StopError } from '../../errors.js';
import { enactLifecycle } from '../../ledger/enactLifecycle.js';
import { appendRunsIndexLine } from '../../kb/appendRunsIndexLine.js';
import { UploadFailed } from '../../kb/UploadFailed.js';
import { RUNS_INDEX_PATH } from '../../kb/runsIndex.js';
import { LockHeld } from '../../stops/facts.js';
import { addFacts } from '../../stops/withFacts.js';
import { closeoutKey } from '../../sidecar/phaseKeys.js';
import { PHASE_NAMES } from '../../../machines/steps.js';
import type { PhaseActorInput, PhaseOutput } from '../../../machines/types.js';
import { pinOf, keyOf, type PhaseDeps } from '../PhaseDeps.js';
import { invariant, phaseReport } from '../phaseReport.js';
import { publishAfterWrite, publishRunDocument } from '../publishRunDocument.js';

/** Phase 10: review decision + forward lifecycle move, one transaction (adopts its own earlier decision). */
export async function lifecycleEnact(deps: PhaseDeps, { context }: PhaseActorInput): Promise<PhaseOutput> {
  const run = deps.run;
  const approval = context.approvals.SG2.accepted;
  if (approval === null || approval.decision !== 'approve' || approval.sha256 !== context.pins.sg2_approval_sha256) {
    throw new StopError('STOP_APPROVAL_INVALID', 'lifecycle enact needs the accepted SG2 approval recorded in the sidecar', { runId: run.run_id });
  }
  const r = await enactLifecycle(deps.db, {
    runId: run.run_id,
    changeSetId: pinOf(context, 'change_set_id'),
    documentId: run.document_id,
    sourceVersionId: run.source_version_id,
    approverFingerprint: approval.signer_fingerprint.toUpperCase(),
    approvalSha256: approval.sha256,
    role: deps.config.writerRole,
  });
  const counted = await deps.db.query<{ in_force: string; superseded: string }>(
    `SELECT count(*) FILTER (WHERE change_set_id = $1 AND lifecycle_state = 'in_force') AS in_force,
            count(*) FILTER (WHERE source_version_id = $2 AND lifecycle_state = 'superseded') AS superseded
       FROM cutter.iu WHERE document_id = $3`,
    [pinOf(context, 'change_set_id'), r.supersededSourceVersion ?? '', run.document_id],
  );
  const inForce = Number(counted.rows[0]?.in_force ?? 0);
  const superseded = Number(counted.rows[0]?.superseded ?? 0);
  const upload = await publishAfterWrite(deps, 'lifecycle_enact', phaseReport(deps, 'lifecycle_enact', context, {
    productionMutation: `cutter.iu lifecycle_state + cutter_governance.review_decision: ${run.document_id}`,
    work: [
      `SG2 approved by ${approval.signer_fingerprint.toUpperCase()} in ${approval.name} (sha256 ${approval.sha256})`,
      ...context.approvals.SG2.refused.map((x) => `SG2 approval ${x.name} refused: ${x.reason}`),
      'recorded the review decision and moved the lifecycle forward in one transaction (this run\'s own earlier decision is adopted)',
      r.supersededSourceVersion === null ? 'no earlier source version was in force' : `superseded source version ${r.supersededSourceVersion}`,
    ],
    diff: [
      { item: 'IUs of this change set in force', pre: 0, post: inForce },
      { item: 'IUs of the previous version superseded', pre: 0, post: superseded },
    ],
    verdict: { review_decision_id: r.reviewDecisionId, superseded_source_version: r.supersededSourceVersion, key: r.reviewDecisionId },
  }), [`review_decision ${r.reviewDecisionId}`, `${inForce} IUs in force`, `${superseded} IUs of the previous version superseded`]);
  return { pins: { review_decision_id: r.reviewDecisionId }, keys: { lifecycle_enact: r.reviewDecisionId }, upload };
}

/**
 * The signer of an accepted approval as a person reads it: the first user ID of the trusted key
 * (`Ada Lovelace <ada@example.org>`), or `(not in the keyring now)` when the key was removed since.
 */
async function signerName(deps: PhaseDeps, fingerprint: string): Promise<string> {
  const keyring = await deps.keyring();
  const key = keyring.keys.find((k) => k.getFingerprint().toLowerCase() === fingerprint.toLowerCase());
  return key?.getUserIDs()[0] ?? '(not in the keyring now)';
}

/** Both accepted approvals: file, signer (name and fingerprint), decision, signing time and reason. */
async function approvalsOf(deps: PhaseDeps, context: PhaseActorInput['context']): Promise<Record<string, Record<string, string>>> {
  const out: Record<string, Record<string, string>> = {};
  for (const gate of ['SG1', 'SG2'] as const) {
    const a = context.approvals[gate].accepted;
    if (a === null) continue;
    out[gate] = {
      file: a.name,
      sha256: a.sha256,
      signer: await signerName(deps, a.signer_fingerprint),
      fingerprint: a.signer_fingerprint.toUpperCase(),
      decision: a.decision,
      signed_at: a.signed_at,
      ...(a.reason === undefined ? {} : { reason: a.reason }),
    };
  }
  return out;
}

/** Phase 11: the final report, then the runs-index line (idempotent per run). */
export async function closeout(deps: PhaseDeps, { context }: PhaseActorInput): Promise<PhaseOutput> {
  const run = deps.run;
  const prior = PHASE_NAMES.filter((p) => p !== 'closeout').map((p) => keyOf(context, p));
  // Sizes of the committed blobs (the evidence), one tree read for the whole folder.
  const committed = await deps.kb.blobSizes(run.kb_folder);
  const sizeOf = (relPath: string): number => {
    const size = committed.get(relPath);
    if (size === undefined) throw new Error(`${relPath} is not committed at HEAD: the internal gate checks every upload before closeout`);
    return size;
  };
  const documents = Object.values(context.uploads).map((u) => ({ path: u.path, sha256: u.sha256, bytes: sizeOf(u.path) }));
  const approvals = await approvalsOf(deps, context);
  const approvalFiles = Object.values(approvals).map((a) => {
    const relPath = `${run.kb_folder}/${a['file']}`;
    return { path: relPath, sha256: a['sha256'] ?? '', bytes: sizeOf(relPath) };
  });
  const upload = await publishRunDocument(deps, 'closeout', phaseReport(deps, 'closeout', context, {
    work: [
      `run ${run.run_id} of ${run.document_id} completed all 11 phases and both sovereign gates`,
      `change set ${pinOf(context, 'change_set_id')} is in force`,
      `${documents.length} earlier run documents and ${approvalFiles.length} signed approvals are listed below with their sha256; this final report is run document ${documents.length + 1}, each at one revision`,
      ...Object.entries(approvals).map(([gate, a]) => `${gate} ${a['decision'] === 'approve' ? 'approved' : 'denied'} by ${a['signer']} (${a['fingerprint']}) at ${a['signed_at']}`),
    ],
    inputs: { run_id: run.run_id, document_id: run.document_id, source_version_id: run.source_version_id, keys: Object.fromEntries(PHASE_NAMES.filter((p) => p !== 'closeout').map((p) => [p, context.keys[p] ?? null])) },
    invariants: PHASE_NAMES.filter((p) => p !== 'closeout').map((p) => invariant(`key persisted: ${p}`, true, context.keys[p] !== undefined)),
    artifacts: [...documents, ...approvalFiles],
    verdict: { state: 'done', change_set_id: context.pins.change_set_id ?? null, review_decision_id: context.pins.review_decision_id ?? null, approvals, backup: `sidecars/${run.run_id}.backup.gpg (preserved; never used automatically)` },
    nextSteps: [
      `auditors: orchestrate verify --run-id ${run.run_id}`,
      `emergency revert (sovereign only): orchestrate void --run-id ${run.run_id}, then sql/lifecycle/rollback_runbook.sql with the decrypted backup`,
    ],
  }));
  const key = closeoutKey(prior, upload.sha256);
  try {
    await appendRunsIndexLine(deps.kb, {
      runId: run.run_id,
      documentId: run.document_id,
      sourceVersionId: run.source_version_id,
      state: 'done',
      folder: run.kb_folder,
      changeSetId: context.pins.change_set_id,
      reviewDecisionId: context.pins.review_decision_id,
      actor: run.actor,
      closeoutUtc: deps.clock(),
    });
  } catch (err) {
    if (err instanceof LockHeld) throw addFacts(err, { runId: run.run_id, written: [upload.path], notWritten: [RUNS_INDEX_PATH] });
    if (err instanceof UploadFailed) {
      throw new StopError('STOP_KB_UPLOAD', `appending the runs-index line failed after ${err.attempts} attempts`, { runId: run.run_id, next: `orchestrate resume --run-id ${run.run_id}`, cause: err });
    }
    throw err;
  }
  return { pins: { final_report_sha: upload.sha256 }, keys: { closeout: key }, upload };
}
