/**
 * The sovereign gates SG1 and SG2 (DESIGN §4, §6): upload the request, then look for signed
 * approvals in the run folder. No valid decision yet → the run pauses (`AWAITING_SGn`, exit 10).
 */
import { StopError } from '../../errors.js';
import { evaluateGateApprovals } from '../../approval/evaluateGateApprovals.js';
import { parseRunFolderListing } from '../../kb/runDocuments.js';
import { redactCredentials } from '../../kb/redactCredentials.js';
import { gateRequestReport } from '../../reports/gateRequestReport.js';
import type { GateDecisionOutput, PhaseActorInput, PhaseOutput } from '../../../machines/types.js';
import { liveSourceOfRun } from './prePhases.js';
import type { PhaseDeps } from '../PhaseDeps.js';
import { countsByKind } from '../phaseReport.js';
import { publishRunDocument } from '../publishRunDocument.js';

type Gate = 'SG1' | 'SG2';

const ACTION: Record<Gate, string> = {
  SG1: 'authorise cut leg A: write the planned information units and the change set to the database',
  SG2: 'authorise the lifecycle change: put the new information units in force and supersede the previous version',
};

/** The gate's request document: digests, backup, IU counts (and for SG2 the ids written since SG1). */
export async function gateRequest(deps: PhaseDeps, gate: Gate, { context }: PhaseActorInput): Promise<PhaseOutput> {
  const run = deps.store.current;
  const live = liveSourceOfRun(deps);
  const p = context.pins;
  const report = gateRequestReport({
    gate,
    runId: run.run_id,
    documentId: run.document_id,
    sourceVersionId: run.source_version_id,
    digests: { manifest_digest: p.manifest_digest ?? '', region_sha: p.region_sha ?? '', writer_digest: p.writer_digest ?? '' },
    backupSha: p.backup_sha ?? '',
    iuCounts: countsByKind(live.plan()),
    ...(gate === 'SG2' ? { ids: { change_set_id: p.change_set_id ?? '', manifest_envelope_id: p.manifest_envelope_id ?? '', verify_result_id: p.verify_result_id ?? '' } } : {}),
    action: ACTION[gate],
  });
  const upload = await publishRunDocument(deps, gate, report);
  return { pins: gate === 'SG1' ? { sg1_request_sha256: upload.sha256 } : { sg2_request_sha256: upload.sha256 }, upload };
}

/**
 * Reads every approval file of the gate (after fetching the KB remote), records the verdicts in the
 * sidecar, and decides. An invalid file never blocks a valid one (DESIGN §6).
 * @throws StopError `AWAITING_SGn` (no approval yet), `STOP_APPROVAL_INVALID` (only refused ones),
 *   `STOP_SG_DENIED` (a valid signed deny)
 */
export async function gateDecide(deps: PhaseDeps, gate: Gate, { context }: PhaseActorInput): Promise<GateDecisionOutput> {
  const run = deps.store.current;
  const requestSha = gate === 'SG1' ? context.pins.sg1_request_sha256 : context.pins.sg2_request_sha256;
  if (deps.kb.hasRemote) {
    try {
      await deps.kb.sync();
    } catch (err) {
      const first = (err instanceof Error ? err.message : String(err)).split('\n').find((l) => l.trim() !== '') ?? 'unknown error';
      throw new StopError('STOP_KB_UPLOAD', `cannot sync the KB with its remote before reading the ${gate} approvals: ${redactCredentials(first)}`, {
        runId: run.run_id,
        written: [],
        notWritten: [`${gate} decision`],
        runbook: 'runbooks/README.md#stop_kb_upload',
        next: `fix the KB remote, then: orchestrate resume --run-id ${run.run_id}`,
      });
    }
  }
  const names = parseRunFolderListing(await deps.kb.list(run.kb_folder))
    .filter((f) => f.kind === 'approval' && f.gate === gate)
    .map((f) => f.name);
  const files = await Promise.all(names.map(async (name) => ({ name, bytes: await deps.kb.read(`${run.kb_folder}/${name}`) })));
  const now = deps.clock();
  const verdict = await evaluateGateApprovals(files, await deps.keyring(), { gate, run_id: run.run_id, request_sha256: requestSha ?? '' }, now);
  await deps.store.update((ctx) => ({ ...ctx, approvals: { ...ctx.approvals, [gate]: verdict } }), gate);
  const requestPath = context.uploads[gate]?.path ?? '(request)';
  if (verdict.accepted !== null) {
    if (verdict.accepted.decision === 'deny') {
      throw new StopError('STOP_SG_DENIED', `${gate} denied by ${verdict.accepted.signer_fingerprint.toUpperCase()} in ${verdict.accepted.name}`, {
        runId: run.run_id,
        runbook: 'runbooks/README.md#stop_sg_denied',
        next: `nothing further is written; void the run if the cut must not happen: orchestrate void --run-id ${run.run_id}`,
      });
    }
    return { decision: 'approve', pins: gate === 'SG1' ? { sg1_approval_sha256: verdict.accepted.sha256 } : { sg2_approval_sha256: verdict.accepted.sha256 } };
  }
  const earlier = deps.store.resumedFromStop;
  const waitingSince = earlier !== null && (earlier.code === `AWAITING_${gate}` || earlier.code === 'STOP_APPROVAL_INVALID') ? earlier.at : now.toISOString();
  if (verdict.refused.length > 0) {
    throw new StopError('STOP_APPROVAL_INVALID', `${gate}: no valid approval; refused: ${verdict.refused.map((r) => `${r.name} (${r.reason})`).join(', ')}`, {
      runId: run.run_id,
      at: waitingSince,
      runbook: 'runbooks/README.md#stop_approval_invalid',
      next: `a sovereign adds a valid approval for ${requestPath} (orchestrate approve --run-id ${run.run_id} --gate ${gate} --key FILE), then: orchestrate resume --run-id ${run.run_id}`,
    });
  }
  throw new StopError(`AWAITING_${gate}`, `waiting for a sovereign's signed ${gate} approval of ${requestPath}`, {
    runId: run.run_id,
    at: waitingSince,
    runbook: `runbooks/README.md#awaiting_sg1--awaiting_sg2`,
    next: `orchestrate approve --run-id ${run.run_id} --gate ${gate} --key FILE, then: orchestrate resume --run-id ${run.run_id}`,
  });
}
