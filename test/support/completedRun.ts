/**
 * Builds a complete, realistic governed-cut run for tests WITHOUT the runner: a real git KB with
 * a declaration in the UDHR layout (the fixture `test/fixtures/texts/readers-declaration.txt`, cut
 * with the shipped `udhr` vocabulary) added as a document, the 13 run documents uploaded through
 * `uploadReport`, two approvals signed with a throwaway sovereign key and accepted through
 * `evaluateGateApprovals`, an OpenPGP-encrypted backup, the DB rows written with the `src/ledger`
 * functions on the real plan of the text, and a sidecar written with `writeSidecar` whose keys
 * chain (`src/sidecar/phaseKeys`). Every value is derived from real data, nothing is hard-coded.
 *
 * One {@link RunWorkspace} holds one KB, one sidecar directory and one trusted keyring; several
 * runs may be completed in it (several documents, or successive versions of one document).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { uuidv7 } from 'uuidv7';
import { evaluateGateApprovals } from '../../src/approval/evaluateGateApprovals.js';
import { loadKeyring } from '../../src/approval/loadKeyring.js';
import { signApproval } from '../../src/approval/signApproval.js';
import { encryptBackup } from '../../src/backup/encryptBackup.js';
import { writeBackupFile } from '../../src/backup/backupFile.js';
import type { Config } from '../../src/config/configSchema.js';
import { CONFIG_FILE, loadConfig } from '../../src/config/loadConfig.js';
import { manifestDigest } from '../../src/cutter/manifestDigest.js';
import { markRegion } from '../../src/cutter/markRegion.js';
import { planCut } from '../../src/cutter/planCut.js';
import { writerDigest } from '../../src/cutter/writerDigest.js';
import type { IuRow } from '../../src/cutter/iuRow.js';
import type { Database } from '../../src/db/Database.js';
import { addDocument } from '../../src/documents/addDocument.js';
import { lawIdFor } from '../../src/documents/lawIdFor.js';
import { loadDocument } from '../../src/documents/loadDocument.js';
import type { KbStore } from '../../src/kb/KbStore.js';
import { openKb } from '../../src/kb/openKb.js';
import { approvalDocumentName, runDocumentName, type GateKey, type RunDocumentKey } from '../../src/kb/runDocuments.js';
import { utcDateStamp } from '../../src/kb/utcStamp.js';
import { dumpDocumentScope } from '../../src/ledger/dumpDocumentScope.js';
import { enactLifecycle } from '../../src/ledger/enactLifecycle.js';
import { recordLegB } from '../../src/ledger/LegBRecorder.js';
import { probeGrants } from '../../src/ledger/probeGrants.js';
import { readBackIus } from '../../src/ledger/readBackIus.js';
import { registerSourceVersion } from '../../src/ledger/registerSourceVersion.js';
import { recordVerify } from '../../src/ledger/VerifyRecorder.js';
import { writeLegA } from '../../src/ledger/writeLegA.js';
import { gateRequestReport } from '../../src/reports/gateRequestReport.js';
import type { ReportData, YamlValue } from '../../src/reports/ReportData.js';
import { uploadReport } from '../../src/reports/uploadReport.js';
import { newRunContext } from '../../src/sidecar/newRunContext.js';
import {
  backupKey, closeoutKey, cutLegAKey, cutplanKey, grantProbeKey, legBRecordKey, lifecycleEnactKey, markKey, sourcePinKey,
  structuralVerifyKey, writeVerifyKey,
} from '../../src/sidecar/phaseKeys.js';
import type { AcceptedApproval, RunContext, RunState } from '../../src/sidecar/runContextSchema.js';
import { writeSidecar } from '../../src/sidecar/writeSidecar.js';
import type { SovereignKeyPair } from '../../src/keys/generateSovereignKey.js';
import { FIXTURE_TEXTS } from './corpus.js';
import { hermeticGitEnv } from './gitRepos.js';
import { makeSovereign, makeTempDir } from './sovereignKeys.js';

/** The default source of a run: a fixture declaration in the UDHR layout (shipped vocabulary `udhr`). */
export const RUN_SOURCE = FIXTURE_TEXTS.readersDeclaration;

const ROLE = 'orchestrator_writer';
const sha256 = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

/**
 * A KB, a sidecar directory, a trusted keyring with one sovereign, and the Config pointing at them.
 * Everything lives under `root` (KB `kb/`, sidecars `sidecars/`, keyring `keyring/`, PGlite
 * `pglite/`, `orchestrate.yaml`), so copying `root` copies the whole workspace (see cloneRun.ts).
 */
export interface RunWorkspace {
  root: string;
  kb: KbStore;
  sovereign: SovereignKeyPair;
  config: Config;
  cleanup(): Promise<void>;
}

/** The workspace configuration file: relative paths only, so a copied workspace points at its own files. */
const WORKSPACE_YAML = [
  'database:',
  '  pglite_dir: pglite',
  `  writer_role: ${ROLE}`,
  'kb:',
  '  dir: kb',
  '  retry_min_ms: 0',
  'sidecars:',
  '  dir: sidecars',
  'keyring:',
  '  dir: keyring',
  'actor: auditor@test-host',
  '',
].join('\n');

/**
 * Opens the workspace whose files are under `root` (made by {@link createRunWorkspace}, or a copy
 * of one): the Config comes from its `orchestrate.yaml` through `loadConfig` with an empty
 * environment (a CI `DATABASE_URL` must not leak in), the KB is opened with a git environment
 * hermetic to `root`.
 *
 * @throws InputError when `orchestrate.yaml` is invalid; GitError when the KB cannot be opened
 */
export async function openRunWorkspace(root: string, sovereign: SovereignKeyPair): Promise<RunWorkspace> {
  const config = await loadConfig({ workspace: root, env: {} });
  const kb = await openKb({ dir: config.kbDir, retry: { minTimeout: 0 }, env: hermeticGitEnv(root) });
  return {
    root,
    kb,
    sovereign,
    config,
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

/**
 * Creates a workspace in a temp dir (KB work tree initialised, no remote).
 *
 * @param options.keyExpirationTime - seconds after its creation (one day ago) the sovereign key expires; default never
 */
export async function createRunWorkspace(options: { keyExpirationTime?: number } = {}): Promise<RunWorkspace> {
  const root = await makeTempDir('verify-run-');
  const sovereign = await makeSovereign({ name: 'Verify Sovereign', ...options });
  await mkdir(path.join(root, 'keyring'));
  await writeFile(path.join(root, 'keyring', '0.pub.asc'), sovereign.publicKeyArmored);
  await writeFile(path.join(root, CONFIG_FILE), WORKSPACE_YAML);
  const ws = await openRunWorkspace(root, sovereign);
  await mkdir(ws.config.sidecarsDir, { recursive: true });
  return ws;
}

/** Options of {@link completeRun}. */
export interface CompleteRunOptions {
  /** Migrated database the rows go to. */
  db: Database;
  /** Document prefix; the law-id is its slug. Unique per test keeps runs independent. */
  docPrefix: string;
  /** Source text; default {@link RUN_SOURCE}. A second call for the same prefix edits the source (a new version). */
  sourceText?: string;
  /** Stop the run at a gate instead of finishing: `SG1` leaves it `awaiting_sg1` after the SG1 request. */
  until?: 'SG1';
  now?: Date;
}

/** What a completed run produced. */
export interface CompletedRun {
  runId: string;
  lawId: string;
  ctx: RunContext;
  folder: string;
  /** Path (KB-relative) of each uploaded document, by phase/gate. */
  documents: Partial<Record<RunDocumentKey, string>>;
  /** Path (KB-relative) of each accepted approval. */
  approvals: Partial<Record<GateKey, string>>;
  plan: IuRow[];
}

function report(kind: RunDocumentKey, runId: string, inputs: Record<string, YamlValue>, work: string[], verdict: Record<string, YamlValue>): ReportData {
  return {
    kind,
    runId,
    outcome: 'PASS',
    productionMutation: 'NONE',
    inputs,
    work,
    diff: [],
    invariants: [],
    artifacts: [],
    verdict: { phase: kind, outcome: 'PASS', ...verdict },
    ...(kind === 'closeout' ? { nextSteps: ['none: the run is complete'] } : {}),
  };
}

async function addOrEditDocument(ws: RunWorkspace, docPrefix: string, lawId: string, sourceText: string | undefined): Promise<void> {
  const docDir = `knowledge/dev/laws/${lawId}`;
  if (!(await ws.kb.exists(`${docDir}/document.yaml`))) {
    // The KB keeps the file's name: the default source is added as `source.txt`, so a later
    // version edits `source.txt` (as for any document added from a `source.txt`).
    let sourceFile = path.join(ws.root, 'default-source', lawId, 'source.txt');
    if (sourceText !== undefined) {
      sourceFile = path.join(ws.root, `${lawId}-source.txt`);
      await writeFile(sourceFile, sourceText);
    } else {
      await mkdir(path.dirname(sourceFile), { recursive: true });
      await writeFile(sourceFile, await readFile(RUN_SOURCE));
    }
    await addDocument({ kbDir: ws.kb.dir, lawId, docPrefix, title: `Readers' declaration (${docPrefix})`, sourceFile, vocab: 'udhr', kb: ws.kb });
  } else if (sourceText !== undefined) {
    await ws.kb.update(`${docDir}/source.txt`, () => sourceText, `${lawId}: new source version`);
  }
}

/**
 * Runs every phase's effect in order, as the runner would, and writes the sidecar last.
 *
 * @returns the run with its sidecar context, folder, document paths and plan
 * @throws whatever the ledger, KB or approval functions throw (a test bug, not a verify finding)
 */
export async function completeRun(ws: RunWorkspace, options: CompleteRunOptions): Promise<CompletedRun> {
  const { db, docPrefix } = options;
  const now = options.now ?? new Date();
  const lawId = lawIdFor(docPrefix);
  await addOrEditDocument(ws, docPrefix, lawId, options.sourceText);
  const doc = loadDocument(ws.kb.dir, lawId);
  const svid = doc.sourceVersionId;
  const runId = uuidv7();
  const date = utcDateStamp(now);
  const folder = `knowledge/dev/laws/${lawId}/v${svid.slice(0, 16)}-automation-cut-${date}`;
  let ctx = newRunContext({ run_id: runId, document_id: lawId, law_id: lawId, doc_prefix: docPrefix, source_version_id: svid, kb_folder: folder, actor: ws.config.actor, now });
  const pins = ctx.context_pins;
  const keys = ctx.keys;
  const documents: CompletedRun['documents'] = {};
  const approvals: CompletedRun['approvals'] = {};
  const upload = async (data: ReportData): Promise<string> => {
    const name = runDocumentName(data.kind, date);
    const up = await uploadReport(ws.kb, `${folder}/${name}`, data, { scope: data.kind });
    ctx.uploads.push({ name, path: up.path, sha256: up.sha256, commit: up.commit });
    documents[data.kind] = up.path;
    return up.sha256;
  };
  const keyring = await loadKeyring(ws.config.keyringDir, { kbRoot: ws.kb.dir });
  const approve = async (gate: GateKey, requestSha: string): Promise<AcceptedApproval> => {
    const text = await signApproval({ gate, run_id: runId, request_sha256: requestSha, decision: 'approve', reason: `test sovereign approves ${gate}` }, ws.sovereign.privateKeyArmored, undefined, { date: new Date(now.getTime() - 60_000) });
    const name = approvalDocumentName(gate, date);
    await ws.kb.upload(`${folder}/${name}`, text, `sovereign: ${name}`);
    approvals[gate] = `${folder}/${name}`;
    const verdict = await evaluateGateApprovals([{ name, bytes: Buffer.from(text, 'utf8') }], keyring, { gate, run_id: runId, request_sha256: requestSha }, now);
    if (verdict.accepted === null) throw new Error(`test approval for ${gate} was refused: ${JSON.stringify(verdict.refused)}`);
    ctx.approvals[gate] = verdict;
    return verdict.accepted;
  };

  // 1 source_pin
  const mark = markRegion(doc.sourceBytes, doc.vocab, { file: 'source.txt' });
  pins.manifest_digest = manifestDigest({ document_id: lawId, source_version_id: svid, region: { start: mark.start, end: mark.end }, vocab: doc.vocab });
  await registerSourceVersion(db, { document_id: lawId, source_version_id: svid, manifest_digest: pins.manifest_digest });
  keys.source_pin = sourcePinKey(lawId, svid);
  await upload(report('source_pin', runId, { document_id: lawId, source_version_id: svid }, ['registered the source version'], { manifest_digest: pins.manifest_digest }));
  // 2 mark
  pins.region_sha = mark.regionSha;
  keys.mark = markKey(keys.source_pin, mark.regionSha);
  await upload(report('mark', runId, { manifest_digest: pins.manifest_digest }, ['extracted the region'], { region_sha: mark.regionSha }));
  // 3 cutplan
  const plan = planCut(mark, doc.vocab, { documentId: lawId, docPrefix, sourceVersionId: svid });
  pins.writer_digest = writerDigest(plan);
  keys.cutplan = cutplanKey(pins.writer_digest);
  await upload(report('cutplan', runId, { region_sha: mark.regionSha }, [`planned ${plan.length} IUs`], { writer_digest: pins.writer_digest, iu_count: plan.length }));
  // 4 backup
  const backup = await encryptBackup(await dumpDocumentScope(db, lawId), [ws.sovereign.publicKeyArmored]);
  await writeBackupFile(ws.config.sidecarsDir, runId, backup.bytes, 'backup');
  pins.backup_sha = backup.sha256;
  keys.backup = backupKey(keys.cutplan, backup.sha256);
  await upload(report('backup', runId, { writer_digest: pins.writer_digest }, ['dumped and encrypted the document scope'], { backup_sha: backup.sha256 }));
  // 5 grant_probe
  const probe = await probeGrants(db, ROLE);
  if (!probe.ok) throw new Error('grant probe failed on the test database');
  pins.grant_probe_sha = probe.sha256;
  keys.grant_probe = grantProbeKey(keys.backup, probe.sha256);
  await upload(report('grant_probe', runId, { role: ROLE }, ['probed the writer role'], { grant_probe_sha: probe.sha256 }));
  // SG1
  const counts: Record<string, number> = { total: plan.length };
  for (const row of plan) counts[row.unit_kind] = (counts[row.unit_kind] ?? 0) + 1;
  const digests = { manifest_digest: pins.manifest_digest, region_sha: pins.region_sha, writer_digest: pins.writer_digest };
  const sg1Sha = await upload(gateRequestReport({ gate: 'SG1', runId, documentId: lawId, sourceVersionId: svid, digests, backupSha: backup.sha256, iuCounts: counts, action: 'write the IUs (cut leg A)' }));
  const snapshotPins: Record<string, string> = { sg1_request_sha256: sg1Sha };
  if (options.until === 'SG1') return finish('awaiting_sg1');
  await approve('SG1', sg1Sha);
  // 6 cut_leg_a
  const legA = await writeLegA(db, { runId, documentId: lawId, sourceVersionId: svid, writerDigest: pins.writer_digest, rows: plan, replanDigest: () => writerDigest(plan), role: ROLE });
  pins.change_set_id = legA.changeSetId;
  keys.cut_leg_a = cutLegAKey(legA.changeSetId);
  await upload(report('cut_leg_a', runId, { change_set_id: legA.changeSetId }, [`wrote ${legA.iuCount} IUs`], { iu_count: legA.iuCount }));
  // 7 structural_verify
  const back = await readBackIus(db, legA.changeSetId);
  pins.structural_verify_payload_sha = sha256(JSON.stringify({ iu_count: back.length, hashes: back.map((u) => u.content_hash) }));
  keys.structural_verify = structuralVerifyKey(legA.changeSetId, pins.structural_verify_payload_sha);
  await upload(report('structural_verify', runId, { change_set_id: legA.changeSetId }, ['read back the IUs'], { payload_sha: pins.structural_verify_payload_sha }));
  // 8 leg_b_record
  pins.manifest_envelope_id = await recordLegB(db, { change_set_id: legA.changeSetId, run_id: runId, manifest_digest: pins.manifest_digest, region_sha: pins.region_sha, writer_digest: pins.writer_digest, iu_count: back.length, envelope: { document_id: lawId, source_version_id: svid } }, { role: ROLE });
  keys.leg_b_record = legBRecordKey(pins.manifest_envelope_id);
  await upload(report('leg_b_record', runId, { change_set_id: legA.changeSetId }, ['recorded the manifest envelope'], { manifest_envelope_id: pins.manifest_envelope_id }));
  // 9 write_verify
  pins.verify_result_id = await recordVerify(db, { change_set_id: legA.changeSetId, run_id: runId, derived_writer_digest: writerDigest(back), iu_count: back.length, outcome: 'PASS' }, { role: ROLE });
  keys.write_verify = writeVerifyKey(pins.verify_result_id);
  await upload(report('write_verify', runId, { change_set_id: legA.changeSetId }, ['re-derived the writer digest'], { verify_result_id: pins.verify_result_id }));
  // SG2
  const ids = { change_set_id: legA.changeSetId, manifest_envelope_id: pins.manifest_envelope_id, verify_result_id: pins.verify_result_id };
  const sg2Sha = await upload(gateRequestReport({ gate: 'SG2', runId, documentId: lawId, sourceVersionId: svid, digests, backupSha: backup.sha256, iuCounts: counts, ids, action: 'put the IUs in force' }));
  snapshotPins['sg2_request_sha256'] = sg2Sha;
  const sg2 = await approve('SG2', sg2Sha);
  // 10 lifecycle_enact
  const enact = await enactLifecycle(db, { runId, changeSetId: legA.changeSetId, documentId: lawId, sourceVersionId: svid, approverFingerprint: sg2.signer_fingerprint.toUpperCase(), approvalSha256: sg2.sha256, role: ROLE });
  pins.review_decision_id = enact.reviewDecisionId;
  keys.lifecycle_enact = lifecycleEnactKey(enact.reviewDecisionId);
  await upload(report('lifecycle_enact', runId, { review_decision_id: enact.reviewDecisionId }, [`${enact.inForce} IUs in force`], { superseded: enact.superseded }));
  // 11 closeout
  pins.final_report_sha = await upload(report('closeout', runId, { change_set_id: legA.changeSetId }, ['closed the run'], { state: 'done' }));
  keys.closeout = closeoutKey([keys.source_pin, keys.mark, keys.cutplan, keys.backup, keys.grant_probe, keys.cut_leg_a, keys.structural_verify, keys.leg_b_record, keys.write_verify, keys.lifecycle_enact], pins.final_report_sha);
  return finish('done');

  async function finish(state: RunState): Promise<CompletedRun> {
    ctx = { ...ctx, state, snapshot: { context: { pins: snapshotPins } }, snapshot_version: 1 };
    await writeSidecar(ws.config.sidecarsDir, ctx);
    return { runId, lawId, ctx, folder, documents, approvals, plan };
  }
}

/** Reads a run's sidecar JSON (for tests that tamper with it). */
export async function readSidecarJson(ws: RunWorkspace, runId: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(path.join(ws.config.sidecarsDir, `${runId}.json`), 'utf8')) as Record<string, unknown>;
}
