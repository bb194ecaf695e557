/**
 * Realistic report data for the 13 run documents of one US Constitution run, for golden tests.
 * The source version is the sha256 of the real corpus file (`../shared/corpus/us-constitution`),
 * recorded here with its byte length so the golden reports need no corpus (a corpus-gated test in
 * goldenReports.test.ts checks both against the file); the other digests are derived from it by
 * name so every value is a genuine 64-hex sha256 and stable across runs.
 */
import { createHash } from 'node:crypto';
import { RUN_DOCUMENT_KEYS, runDocumentName, type RunDocumentKey } from '../../../src/kb/runDocuments.js';
import { gateRequestReport } from '../../../src/reports/gateRequestReport.js';
import type { ReportData } from '../../../src/reports/ReportData.js';
import { grantProbeView, type GrantCheck } from '../../../src/ledger/probeGrants.js';

const sha = (text: string | Buffer): string => createHash('sha256').update(text).digest('hex');

/** sha256 and byte length of `../shared/corpus/us-constitution/source.txt` (the NARA transcription). */

/** A grant probe as probeGrants reports it for two tables (the report shows it as a grid). */
const check = (name: string, expected: boolean, observed = expected): GrantCheck => ({ check: name, expected, observed, ok: expected === observed });
const grantView = grantProbeView({
  role: 'cutter_writer',
  ok: true,
  sha256: '0'.repeat(64),
  checks: [
    check('role cutter_writer exists', true),
    check('role cutter_writer is not a superuser', false),
    ...['cutter.source_version', 'cutter.iu'].flatMap((t) => [
      check(`SELECT on ${t}`, true), check(`INSERT on ${t}`, true), check(`UPDATE on ${t}`, false), check(`DELETE on ${t}`, false), check(`TRUNCATE on ${t}`, false),
    ]),
    check('UPDATE of cutter.iu.lifecycle_state', true),
    check('EXECUTE on cutter.fn_iu_create', true),
    check('guard iu_guard_insert on cutter.iu fires', true),
    check('guard iu_no_delete on cutter.iu fires', true),
    check('guard source_version_append_only on cutter.source_version fires', true),
  ],
});

export const US_CONSTITUTION_SOURCE = {
  sha256: '8f4687f71119c2dcd13b75263e42b9d7229a9dfbe92a5f1c25c1b8e33182f199',
  bytes: 54839,
} as const;

/** Builds the 13 reports of one run. */
export async function sampleReports(): Promise<Record<RunDocumentKey, ReportData>> {
  const source = { length: US_CONSTITUTION_SOURCE.bytes };
  const sourceVersionId = US_CONSTITUTION_SOURCE.sha256;
  const d = (name: string): string => sha(`${sourceVersionId}:${name}`);
  const runId = '0196f2a4-7c1e-7a3b-9d2e-5f6a7b8c9d0e';
  const changeSetId = '0196f2b1-2a40-7c55-8e01-3b9f4d2c1a77';
  const envelopeId = '0196f2b3-91d2-7f10-a4c3-0e5d7b6a2c19';
  const verifyId = '0196f2b4-0b7e-7e22-b1a0-6c2d9f8e4a35';
  const decisionId = '0196f2c0-55aa-7d31-9f42-1e8b3c7d6a50';
  const date = '20261120';
  const folder = `knowledge/dev/laws/us-const/v${sourceVersionId.slice(0, 16)}-automation-cut-${date}`;
  const art = (key: RunDocumentKey, bytes: number) => ({ path: `${folder}/${runDocumentName(key, date)}`, sha256: d(key), bytes });
  const counts = { total: 412, preamble: 1, article: 7, section: 24, clause: 86, paragraph: 267, amendment: 27 };
  const pins = {
    document_id: 'us-const',
    doc_prefix: 'US-CONST',
    source_version_id: sourceVersionId,
    source_file: 'knowledge/dev/laws/us-const/source.txt',
    source_bytes: source.length,
  };
  const law = { title: 'Constitution of the United States', documentId: 'us-const', sourceVersionId };
  const base = (kind: RunDocumentKey) => ({ kind, runId, law, outcome: 'PASS' as const, productionMutation: 'NONE', artifacts: [] });
  const reports: Record<RunDocumentKey, ReportData> = {
    source_pin: {
      ...base('source_pin'),
      inputs: {
        ...pins,
        region: { start_marker: 'We the People of the United States', end_marker: 'Amendment XXVII', start_offset: 1203, end_offset: 53110 },
        vocab: {
          levels: ['preamble', 'article', 'section', 'clause', 'amendment', 'paragraph'].map((kind, depth) => ({
            kind,
            depth,
            heading: kind === 'preamble' ? '^We the People' : `^${kind[0]!.toUpperCase()}${kind.slice(1)}\\.? [IVXLC0-9]+`,
            numbering: kind === 'section' || kind === 'clause' ? 'arabic' : 'roman',
            eid_prefix: kind.slice(0, 4),
            text_follows_heading: kind !== 'article',
          })),
          region_markers: { start: ['We the People of the United States'], end: ['Amendment XXVII'] },
        },
      },
      work: [
        'layer-1 replay check: no non-voided run for (us-const, source version) in sidecars/',
        `read ${source.length} source bytes and the vocab (6 levels)`,
        'computed manifest_digest over canonical JSON of {document_id, source_version_id, region span, vocab}',
        'registered the source version in cutter.source_version (new row)',
      ],
      diff: [{ item: 'cutter.source_version rows (us-const)', pre: 0, post: 1 }],
      invariants: [
        { invariant: 'source_version_id = sha256(source bytes)', expected: sourceVersionId, observed: sourceVersionId, ok: true },
        { invariant: 'region markers found once each', expected: 2, observed: 2, ok: true },
      ],
      artifacts: [art('source_pin', 3120)],
      verdict: { phase: 'source_pin', outcome: 'PASS', manifest_digest: d('manifest_digest'), idempotency_key: d('key:source_pin') },
      productionMutation: 'cutter.source_version: us-const',
    },
    mark: {
      ...base('mark'),
      inputs: { ...pins, manifest_digest: d('manifest_digest') },
      work: ['extracted the region between the vocab markers', 'computed region_sha over its UTF-8 bytes'],
      diff: [],
      invariants: [{ invariant: 'region length (bytes)', expected: 51907, observed: 51907, ok: true }],
      artifacts: [art('mark', 1984)],
      verdict: { phase: 'mark', outcome: 'PASS', region_sha: d('region_sha'), idempotency_key: d('key:mark') },
    },
    cutplan: {
      ...base('cutplan'),
      inputs: { ...pins, region_sha: d('region_sha') },
      work: ['parsed the region into the IU rowset', 'sorted by canonical_address and computed writer_digest'],
      diff: [],
      invariants: [
        { invariant: 'canonical addresses unique', expected: 412, observed: 412, ok: true },
        { invariant: 'IU texts re-assemble the region', expected: d('region_sha'), observed: d('region_sha'), ok: true },
      ],
      artifacts: [art('cutplan', 2650)],
      verdict: { phase: 'cutplan', outcome: 'PASS', writer_digest: d('writer_digest'), iu_counts: counts },
    },
    backup: {
      ...base('backup'),
      inputs: { ...pins, writer_digest: d('writer_digest'), recipients: ['0x8F2A1C3D5E7B9A01'] },
      work: ['dumped 0 IU rows and 0 governance rows in scope us-const', `encrypted to 1 recipient into sidecars/${runId}.backup.gpg`],
      diff: [],
      invariants: [{ invariant: 'backup decrypts with the recipient key', expected: true, observed: true, ok: true }],
      artifacts: [{ path: `sidecars/${runId}.backup.gpg`, sha256: d('backup_sha'), bytes: 1187 }, art('backup', 2011)],
      verdict: { phase: 'backup', outcome: 'PASS', backup_sha: d('backup_sha') },
    },
    grant_probe: {
      ...base('grant_probe'),
      inputs: { ...pins, role: 'cutter_writer' },
      work: ['listed the role privileges on cutter and cutter_governance', 'checked the append-only triggers'],
      diff: [],
      invariants: grantView.rows.map((c) => ({ invariant: c.check, expected: c.expected, observed: c.observed, ok: c.ok })),
      matrix: { caption: 'Privileges of role cutter_writer on each table the writes touch (yes/no as observed; a value not as required is marked) and its guard triggers:', ...grantView.matrix },
      artifacts: [art('grant_probe', 2231)],
      verdict: { phase: 'grant_probe', outcome: 'PASS', grant_probe_sha: d('grant_probe_sha') },
    },
    SG1: gateRequestReport({
      gate: 'SG1',
      runId,
      documentId: 'us-const',
      sourceVersionId,
      digests: { manifest_digest: d('manifest_digest'), region_sha: d('region_sha'), writer_digest: d('writer_digest') },
      backupSha: d('backup_sha'),
      iuCounts: counts,
      action: 'write 412 IUs of us-const in one cut_leg_a transaction',
    }),
    cut_leg_a: {
      ...base('cut_leg_a'),
      productionMutation: 'cutter.iu + cutter_governance.cut_change_set: us-const',
      inputs: { ...pins, writer_digest: d('writer_digest'), approval: `SG1-cut-authz-approval-${date}.md` },
      work: ['re-planned and asserted writer_digest', 'inserted cut_change_set', 'wrote 412 IUs through fn_iu_create', 'committed'],
      diff: [
        { item: 'cutter.iu rows (us-const)', pre: 0, post: 412 },
        { item: 'cutter_governance.cut_change_set rows', pre: 0, post: 1 },
      ],
      invariants: [{ invariant: 'writer_digest before write', expected: d('writer_digest'), observed: d('writer_digest'), ok: true }],
      artifacts: [art('cut_leg_a', 2410)],
      verdict: { phase: 'cut_leg_a', outcome: 'PASS', change_set_id: changeSetId },
    },
    structural_verify: {
      ...base('structural_verify'),
      inputs: { ...pins, change_set_id: changeSetId },
      work: ['read back 412 IUs', 'checked body hashes, tree shape and lossless re-assembly'],
      diff: [],
      invariants: [
        { invariant: 'IU count', expected: 412, observed: 412, ok: true },
        { invariant: 'per-IU body hash matches', expected: 412, observed: 412, ok: true },
        { invariant: 're-assembled region sha', expected: d('region_sha'), observed: d('region_sha'), ok: true },
      ],
      artifacts: [art('structural_verify', 2302)],
      verdict: { phase: 'structural_verify', outcome: 'PASS', payload_sha: d('payload_sha') },
    },
    leg_b_record: {
      ...base('leg_b_record'),
      productionMutation: 'cutter_governance.manifest_envelope: us-const',
      inputs: { ...pins, change_set_id: changeSetId },
      work: ['LegBRecorder inserted manifest_envelope'],
      diff: [{ item: 'cutter_governance.manifest_envelope rows', pre: 0, post: 1 }],
      invariants: [{ invariant: 'no earlier envelope for the change set', expected: 0, observed: 0, ok: true }],
      artifacts: [art('leg_b_record', 1802)],
      verdict: { phase: 'leg_b_record', outcome: 'PASS', manifest_envelope_id: envelopeId },
    },
    write_verify: {
      ...base('write_verify'),
      productionMutation: 'cutter_governance.verify_result: us-const',
      inputs: { ...pins, change_set_id: changeSetId, manifest_envelope_id: envelopeId },
      work: ['VerifyRecorder re-derived the digest from DB rows', 'inserted verify_result'],
      diff: [{ item: 'cutter_governance.verify_result rows', pre: 0, post: 1 }],
      invariants: [{ invariant: 'digest from DB rows = writer_digest', expected: d('writer_digest'), observed: d('writer_digest'), ok: true }],
      artifacts: [art('write_verify', 1920)],
      verdict: { phase: 'write_verify', outcome: 'PASS', verify_result_id: verifyId },
    },
    SG2: gateRequestReport({
      gate: 'SG2',
      runId,
      documentId: 'us-const',
      sourceVersionId,
      digests: { manifest_digest: d('manifest_digest'), region_sha: d('region_sha'), writer_digest: d('writer_digest') },
      backupSha: d('backup_sha'),
      iuCounts: counts,
      ids: { change_set_id: changeSetId, manifest_envelope_id: envelopeId, verify_result_id: verifyId },
      action: 'put the 412 new IUs in force and supersede none (first version of us-const)',
      refusedApprovals: [{ name: `SG2-lifecycle-authz-approval-${date}.md`, reason: 'signature by a key not in the trusted keyring' }],
    }),
    lifecycle_enact: {
      ...base('lifecycle_enact'),
      productionMutation: 'cutter_governance.review_decision + cutter.iu lifecycle: us-const',
      inputs: { ...pins, change_set_id: changeSetId, approval: `SG2-lifecycle-authz-approval-${date}-2.md` },
      work: ['inserted review_decision', 'moved 412 IUs in force'],
      diff: [
        { item: 'IUs in force (us-const)', pre: 0, post: 412 },
        { item: 'IUs superseded (us-const)', pre: 0, post: 0 },
      ],
      invariants: [{ invariant: 'one review_decision per run', expected: 1, observed: 1, ok: true }],
      artifacts: [art('lifecycle_enact', 1875)],
      verdict: { phase: 'lifecycle_enact', outcome: 'PASS', review_decision_id: decisionId },
    },
    closeout: {
      ...base('closeout'),
      inputs: { ...pins, change_set_id: changeSetId, review_decision_id: decisionId },
      work: [
        '12 earlier run documents and 2 signed approvals are listed below with their sha256; this final report is run document 13, each at one revision',
        'SG1 approved by Ada Lovelace <ada@example.org> (3F2A9C41D0B7E5A1C2F8D6E4B9A07C3E51D2F6A8) at 2026-11-20T10:02:11.000Z',
        'SG2 approved by Ada Lovelace <ada@example.org> (3F2A9C41D0B7E5A1C2F8D6E4B9A07C3E51D2F6A8) at 2026-11-20T10:31:40.000Z',
        'appended the runs-index line',
      ],
      diff: [],
      invariants: [{ invariant: 'every run document has exactly 1 revision', expected: 12, observed: 12, ok: true }],
      artifacts: [
        ...RUN_DOCUMENT_KEYS.filter((key) => key !== 'closeout').map((key) => art(key, 2000)),
        { path: `${folder}/SG1-cut-authz-approval-${date}.md`, sha256: d('approval:SG1'), bytes: 1412 },
        { path: `${folder}/SG2-lifecycle-authz-approval-${date}.md`, sha256: d('approval:SG2'), bytes: 1398 },
      ],
      verdict: {
        phase: 'closeout',
        outcome: 'PASS',
        state: 'done',
        final_report_key: d('key:closeout'),
        approvals: Object.fromEntries((['SG1', 'SG2'] as const).map((gate) => [gate, {
          file: `${gate}-${gate === 'SG1' ? 'cut' : 'lifecycle'}-authz-approval-${date}.md`,
          sha256: d(`approval:${gate}`),
          signer: 'Ada Lovelace <ada@example.org>',
          fingerprint: '3F2A9C41D0B7E5A1C2F8D6E4B9A07C3E51D2F6A8',
          decision: 'approve',
          signed_at: gate === 'SG1' ? '2026-11-20T10:02:11.000Z' : '2026-11-20T10:31:40.000Z',
          reason: 'digests, counts and backup checked against the request',
        }])),
        backup_preserved: `sidecars/${runId}.backup.gpg`,
      },
      nextSteps: ['keep the backup sidecar until the next version of us-const is cut', 'auditors: `orchestrate verify --run-id ' + runId + '`'],
    },
  };
  // Gate requests come from the product's own builder (outcome PENDING); the publisher adds the law.
  for (const gate of ['SG1', 'SG2'] as const) reports[gate] = { ...reports[gate], law };
  return reports;
}
