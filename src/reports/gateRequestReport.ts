/**
 * The SG1 / SG2 request documents (DESIGN §4 SG rows, §6). The request is what a sovereign signs
 * against: its sha256 goes into the approval's `request_sha256`, so its bytes must depend on the
 * run's pinned data only — never on a clock or the host.
 */
import { approvalDocumentName, type GateKey } from '../kb/runDocuments.js';
import type { ReportData, YamlValue } from './ReportData.js';

/** What a gate request declares. */
export interface GateRequestFields {
  gate: GateKey;
  runId: string;
  /** law-id. */
  documentId: string;
  /** sha256 hex of the source. */
  sourceVersionId: string;
  /** Pinned digests by name: `manifest_digest`, `region_sha`, `writer_digest` (sha256 hex). */
  digests: Readonly<Record<string, string>>;
  /** sha256 hex of the encrypted pre-write backup (reference §7: the request declares it exists). */
  backupSha: string;
  /** IU counts: `total` and one per unit kind. */
  iuCounts: Readonly<Record<string, number>>;
  /** SG2: ids written since SG1 (`change_set_id`, `manifest_envelope_id`, `verify_result_id`). */
  ids?: Readonly<Record<string, string>>;
  /** One line: what the approval authorises. */
  action: string;
  /** Approval files of this gate refused earlier, with the reason (DESIGN §6). */
  refusedApprovals?: readonly { name: string; reason: string }[];
}

/**
 * Builds the report data of a gate request: inputs are the declared fields, the verdict says what
 * an approval must bind to (DESIGN §6: gate, run_id, request_sha256 of this file's bytes, decision).
 * Outcome is PENDING (the gate waits for a sovereign; issue 12), production_mutation NONE (a request
 * writes nothing). The verdict lists every front-matter field an approval must carry (DESIGN §6:
 * gate, run_id, request_sha256, decision, reason) and the exact file name to commit it under.
 */
export function gateRequestReport(fields: GateRequestFields): ReportData {
  const inputs: Record<string, YamlValue> = {
    gate: fields.gate,
    run_id: fields.runId,
    document_id: fields.documentId,
    source_version_id: fields.sourceVersionId,
    digests: { ...fields.digests },
    backup_sha: fields.backupSha,
    iu_counts: { ...fields.iuCounts },
  };
  if (fields.ids !== undefined) inputs['ids'] = { ...fields.ids };
  const refused = fields.refusedApprovals ?? [];
  return {
    kind: fields.gate,
    runId: fields.runId,
    outcome: 'PENDING',
    productionMutation: 'NONE',
    inputs,
    work: [
      `declared the pinned digests, backup_sha and IU counts of run ${fields.runId}`,
      ...refused.map((approval) => `refused approval ${approval.name}: ${approval.reason}`),
      `stopped as AWAITING_${fields.gate} until a valid signed approval is in this folder`,
    ],
    diff: [],
    invariants: [
      { invariant: 'backup_sha present', expected: true, observed: /^[0-9a-f]{64}$/.test(fields.backupSha), ok: /^[0-9a-f]{64}$/.test(fields.backupSha) },
      { invariant: 'IU total > 0', expected: true, observed: (fields.iuCounts['total'] ?? 0) > 0, ok: (fields.iuCounts['total'] ?? 0) > 0 },
    ],
    artifacts: [],
    verdict: {
      awaiting: fields.gate,
      authorises: fields.action,
      approval_file: approvalDocumentName(fields.gate, '<YYYYMMDD>'),
      approval_file_when_taken: approvalDocumentName(fields.gate, '<YYYYMMDD>', 2),
      approval_commit: 'commit the file into this folder on the KB branch and push it; a file only in a work tree is not evidence',
      approval_binds: {
        gate: fields.gate,
        run_id: fields.runId,
        request_sha256: 'sha256 hex of the bytes of this file',
        decision: 'approve | deny',
        reason: 'one line: why you approve or deny',
      },
      approval_signature: 'OpenPGP cleartext signature over the whole file by a key in the trusted keyring (gpg --clearsign)',
      refused_approvals: refused.map((approval) => approval.name),
    },
  };
}
