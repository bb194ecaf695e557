/**
 * The sovereign gates SG1 and SG2 (DESIGN §4, §6): upload the request, then look for signed
 * approvals in the run folder. No valid decision yet → the machine waits in `SGn.awaiting` (exit 10).
 */
import { evaluateGateApprovals } from '../../approval/evaluateGateApprovals.js';
import { collectGateFiles } from '../../approval/collectGateFiles.js';
import { withFacts } from '../../stops/withFacts.js';
import { gateRequestReport } from '../../reports/gateRequestReport.js';
import type { GateName } from '../../../machines/steps.js';
import type { GateDecisionOutput, PhaseActorInput, PhaseOutput } from '../../../machines/types.js';
import { liveSourceOfRun } from './prePhases.js';
import { pinOf, type PhaseDeps } from '../PhaseDeps.js';
import { countsByKind } from '../phaseReport.js';
import { publishRunDocument } from '../publishRunDocument.js';

type Gate = GateName;

const ACTION: Record<Gate, string> = {
  SG1: 'authorise cut leg A: write the planned information units and the change set to the database',
  SG2: 'authorise the lifecycle change: put the new information units in force and supersede the previous version',
};

/** The gate's request document: digests, backup, IU counts (and for SG2 the ids written since SG1). */
export async function gateRequest(deps: PhaseDeps, gate: Gate, { context }: PhaseActorInput): Promise<PhaseOutput> {
  const run = deps.run;
  const live = liveSourceOfRun(deps);
  const report = gateRequestReport({
    gate,
    runId: run.run_id,
    documentId: run.document_id,
    sourceVersionId: run.source_version_id,
    digests: { manifest_digest: pinOf(context, 'manifest_digest'), region_sha: pinOf(context, 'region_sha'), writer_digest: pinOf(context, 'writer_digest') },
    backupSha: pinOf(context, 'backup_sha'),
    iuCounts: countsByKind(live.plan()),
    ...(gate === 'SG2' ? { ids: { change_set_id: pinOf(context, 'change_set_id'), manifest_envelope_id: pinOf(context, 'manifest_envelope_id'), verify_result_id: pinOf(context, 'verify_result_id') } } : {}),
    action: ACTION[gate],
  });
  const upload = await publishRunDocument(deps, gate, report);
  return { pins: gate === 'SG1' ? { sg1_request_sha256: upload.sha256 } : { sg2_request_sha256: upload.sha256 }, upload };
}

/**
 * Reads every approval file of the gate committed in the run folder (after fetching the KB remote)
 * and returns the verdict as data (DESIGN §6): `approved` / `denied` with the deciding approval,
 * `pending` (no approval file yet) or `invalid` (only refused files). Only committed files count:
 * one in the work tree only is refused `not_committed`, an approval-like name the gate does not
 * read `misnamed` (collectGateFiles). An invalid file never blocks a valid one. The machine routes the verdict and records it; this actor writes nothing.
 * @throws KbSyncFailed (`STOP_KB_UPLOAD`) when the KB remote cannot be synced (then nothing is decided)
 */
export async function gateDecide(deps: PhaseDeps, gate: Gate, { context }: PhaseActorInput): Promise<GateDecisionOutput> {
  const run = deps.run;
  const requestSha = pinOf(context, gate === 'SG1' ? 'sg1_request_sha256' : 'sg2_request_sha256');
  if (deps.kb.hasRemote) await withFacts(deps.kb.sync(), { runId: run.run_id, written: [], notWritten: [`${gate} decision`] });
  const found = await collectGateFiles(deps.kb, run.kb_folder, gate);
  const now = deps.clock().toISOString();
  const evaluated = await evaluateGateApprovals(found.committed, await deps.keyring(), { gate, run_id: run.run_id, request_sha256: requestSha }, deps.clock());
  const accepted = evaluated.accepted;
  const refused = [...found.refused, ...evaluated.refused].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const verdict = accepted !== null ? (accepted.decision === 'approve' ? 'approved' : 'denied') : refused.length > 0 ? 'invalid' : 'pending';
  return { verdict, accepted, refused, since: context.approvals[gate].since ?? now, at: now };
}
