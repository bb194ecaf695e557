/**
 * Builds a realistic run for command tests: a statute (a fixture of this repository: the shipped
 * sample statute or a text of test/fixtures/texts) added to a real git KB, its real MARK / CUTPLAN digests and chained phase keys, the SG request rendered by the
 * real report modules and committed into the run folder, optionally leg A really written to a
 * database, and a sidecar that `writeSidecar` validates. Not a test file.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { uuidv7 } from 'uuidv7';
import { documentAdd } from '../../src/commands/documentAdd.js';
import { manifestDigest } from '../../src/cutter/manifestDigest.js';
import { markRegion } from '../../src/cutter/markRegion.js';
import { planCut } from '../../src/cutter/planCut.js';
import { writerDigest } from '../../src/cutter/writerDigest.js';
import type { Config } from '../../src/config/configSchema.js';
import type { Database } from '../../src/db/Database.js';
import { loadDocument } from '../../src/documents/loadDocument.js';
import type { StopCode } from '../../src/errors.js';
import type { KbStore } from '../../src/kb/KbStore.js';
import { runDocumentName } from '../../src/kb/runDocuments.js';
import { LAWS_ROOT } from '../../src/kb/runFolder.js';
import { utcDateStamp } from '../../src/kb/utcStamp.js';
import { registerSourceVersion } from '../../src/ledger/registerSourceVersion.js';
import { writeLegA } from '../../src/ledger/writeLegA.js';
import { gateRequestReport } from '../../src/reports/gateRequestReport.js';
import { uploadReport } from '../../src/reports/uploadReport.js';
import { newRunContext } from '../../src/sidecar/newRunContext.js';
import * as keys from '../../src/sidecar/phaseKeys.js';
import type { RunContext, RunState, Upload } from '../../src/sidecar/runContextSchema.js';
import { writeSidecar } from '../../src/sidecar/writeSidecar.js';
import { STEP_NAMES, type StepName } from '../../machines/steps.js';
import { FIXTURE_TEXTS, SAMPLE_STATUTE } from './corpus.js';
import { tempGitRepos } from './gitRepos.js';
import { makeKeyringDir } from './sovereignKeys.js';

/**
 * Three fixture statutes (no real law: command tests need none), with the doc prefix and vocabulary
 * (a shipped name or a file) each is added with.
 */
export const FIXTURE_LAWS = {
  sample: { lawId: SAMPLE_STATUTE.lawId, docPrefix: SAMPLE_STATUTE.docPrefix, title: SAMPLE_STATUTE.title, source: SAMPLE_STATUTE.source, vocab: SAMPLE_STATUTE.vocab },
  readers: { lawId: 'readers', docPrefix: 'READERS', title: 'Model Declaration of the Rights of Readers', source: FIXTURE_TEXTS.readersDeclaration, vocab: 'udhr' },
  archives: { lawId: 'model-archives', docPrefix: 'MODEL-ARCHIVES', title: 'Model Archives Act', source: FIXTURE_TEXTS.modelArchivesAct, vocab: SAMPLE_STATUTE.vocab },
} as const;

/** A fixture law name (a key of {@link FIXTURE_LAWS}). */
export type FixtureLaw = keyof typeof FIXTURE_LAWS;

/**
 * How far the run got:
 * - `grant_probe_done`: phases 1–5 done, the SG1 request not uploaded yet (state `running`);
 * - `awaiting_sg1`: SG1 request committed, paused `AWAITING_SG1`;
 * - `leg_a_done`: SG1 passed, leg A written to `db`, stopped `STOP_BETWEEN_LEG_A_AND_LEG_B`;
 * - `awaiting_sg2`: leg A written, SG2 request committed, paused `AWAITING_SG2` (phases 7–9 keys
 *   are not modelled: the sidecar holds keys through cut_leg_a only).
 */
export type FakeRunStage = 'grant_probe_done' | 'awaiting_sg1' | 'leg_a_done' | 'awaiting_sg2';

/** Options of {@link fakeRun}. */
export interface FakeRunOptions {
  kb: KbStore;
  sidecarsDir: string;
  stage: FakeRunStage;
  /** Default `sample` (the sample statute). */
  law?: FixtureLaw;
  /** Needed for `leg_a_done` and `awaiting_sg2`: leg A really writes the IUs there (migrated). */
  db?: Database;
  /** Run start (names the run folder); default now. */
  startedAt?: Date;
  /** When the run stopped or started waiting; default `startedAt`. */
  stoppedAt?: Date;
  runId?: string;
}

/** What {@link fakeRun} built. */
export interface FakeRun {
  ctx: RunContext;
  /** The committed request of the gate the run waits at (or last passed). */
  request: Upload | undefined;
  iuCount: number;
  changeSetId: string | undefined;
}

const sha = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** Adds the law to the KB unless it is there already; returns the loaded document. */
async function ensureDocument(kb: KbStore, law: FixtureLaw): Promise<ReturnType<typeof loadDocument>> {
  const spec = FIXTURE_LAWS[law];
  if (!existsSync(path.join(kb.dir, LAWS_ROOT, spec.lawId, 'document.yaml'))) {
    await documentAdd({ cwd: kb.dir, kbDir: kb.dir, lawId: spec.lawId, docPrefix: spec.docPrefix, title: spec.title, source: spec.source, vocab: spec.vocab, kb });
  }
  return loadDocument(kb.dir, spec.lawId);
}

/** Builds the run described by `options` and writes its sidecar. */
export async function fakeRun(options: FakeRunOptions): Promise<FakeRun> {
  const law = options.law ?? 'sample';
  const spec = FIXTURE_LAWS[law];
  const startedAt = options.startedAt ?? new Date();
  const stoppedAt = options.stoppedAt ?? startedAt;
  const runId = options.runId ?? uuidv7();
  const doc = await ensureDocument(options.kb, law);
  const mark = markRegion(doc.sourceBytes, doc.vocab);
  const rows = planCut(mark, doc.vocab, { documentId: spec.lawId, docPrefix: spec.docPrefix, sourceVersionId: doc.sourceVersionId });
  const folder = `${LAWS_ROOT}/${spec.lawId}/v${doc.sourceVersionId.slice(0, 16)}-automation-cut-${utcDateStamp(startedAt)}`;

  const pins: RunContext['context_pins'] = {
    manifest_digest: manifestDigest({ document_id: spec.lawId, source_version_id: doc.sourceVersionId, region: mark, vocab: doc.vocab }),
    region_sha: mark.regionSha,
    writer_digest: writerDigest(rows),
    backup_sha: sha(`encrypted backup of ${spec.lawId} before run ${runId}`),
    grant_probe_sha: sha(`grant probe of run ${runId}`),
  };
  const k: RunContext['keys'] = {};
  k.source_pin = keys.sourcePinKey(spec.lawId, doc.sourceVersionId);
  k.mark = keys.markKey(k.source_pin, pins.region_sha!);
  k.cutplan = keys.cutplanKey(pins.writer_digest!);
  k.backup = keys.backupKey(k.cutplan, pins.backup_sha!);
  k.grant_probe = keys.grantProbeKey(k.backup, pins.grant_probe_sha!);

  const counts: Record<string, number> = { total: rows.length };
  for (const row of rows) counts[row.unit_kind] = (counts[row.unit_kind] ?? 0) + 1;
  const uploads: Upload[] = [];
  const machinePins: Record<string, string> = {};
  const machineUploads: Record<string, { path: string; sha256: string; commit: string }> = {};
  const digests = { manifest_digest: pins.manifest_digest!, region_sha: pins.region_sha!, writer_digest: pins.writer_digest! };
  const uploadRequest = async (gate: 'SG1' | 'SG2', ids?: Record<string, string>): Promise<Upload> => {
    const name = runDocumentName(gate, utcDateStamp(stoppedAt));
    const report = gateRequestReport({
      gate, runId, documentId: spec.lawId, sourceVersionId: doc.sourceVersionId, digests, backupSha: pins.backup_sha!, iuCounts: counts,
      action: gate === 'SG1' ? `write ${rows.length} IUs of ${spec.lawId}` : `put the ${rows.length} IUs of ${spec.lawId} in force`,
      ...(ids === undefined ? {} : { ids }),
    });
    const up = await uploadReport(options.kb, `${folder}/${name}`, report, { scope: gate });
    const upload = { name, path: up.path, sha256: up.sha256, commit: up.commit };
    uploads.push(upload);
    machinePins[gate === 'SG1' ? 'sg1_request_sha256' : 'sg2_request_sha256'] = up.sha256;
    machineUploads[gate] = { path: up.path, sha256: up.sha256, commit: up.commit };
    return upload;
  };

  let request: Upload | undefined;
  let changeSetId: string | undefined;
  let completedUpTo: StepName = 'grant_probe';
  let state: RunState = 'running';
  let stop: { code: StopCode; step: StepName } | null = null;
  if (options.stage !== 'grant_probe_done') {
    request = await uploadRequest('SG1');
    state = 'awaiting_sg1';
    stop = { code: 'AWAITING_SG1', step: 'SG1' };
  }
  if (options.stage === 'leg_a_done' || options.stage === 'awaiting_sg2') {
    if (options.db === undefined) throw new Error(`fakeRun stage ${options.stage} needs a migrated db`);
    await registerSourceVersion(options.db, { document_id: spec.lawId, source_version_id: doc.sourceVersionId, manifest_digest: pins.manifest_digest! });
    const legA = await writeLegA(options.db, {
      runId, documentId: spec.lawId, sourceVersionId: doc.sourceVersionId, writerDigest: pins.writer_digest!, rows,
      replanDigest: () => writerDigest(planCut(markRegion(doc.sourceBytes, doc.vocab), doc.vocab, { documentId: spec.lawId, docPrefix: spec.docPrefix, sourceVersionId: doc.sourceVersionId })),
      role: 'orchestrator_writer',
    });
    changeSetId = legA.changeSetId;
    pins.change_set_id = changeSetId;
    k.cut_leg_a = keys.cutLegAKey(changeSetId);
    completedUpTo = 'cut_leg_a';
    state = 'stopped';
    stop = { code: 'STOP_BETWEEN_LEG_A_AND_LEG_B', step: 'structural_verify' };
  }
  if (options.stage === 'awaiting_sg2') {
    request = await uploadRequest('SG2', { change_set_id: changeSetId! });
    state = 'awaiting_sg2';
    stop = { code: 'AWAITING_SG2', step: 'SG2' };
  }

  const completed = STEP_NAMES.slice(0, STEP_NAMES.indexOf(completedUpTo) + 1);
  const at = stoppedAt.toISOString();
  const ctx: RunContext = {
    ...newRunContext({ run_id: runId, document_id: spec.lawId, law_id: spec.lawId, doc_prefix: spec.docPrefix, source_version_id: doc.sourceVersionId, kb_folder: folder, actor: 'tester@testhost', now: startedAt }),
    context_pins: pins,
    keys: k,
    uploads,
    state,
    stop: stop === null ? null : { code: stop.code, at, detail: `${stop.code} at ${stop.step}` },
    snapshot: {
      status: 'active',
      value: stop === null ? { [completedUpTo]: 'running' } : { [stop.step]: 'stopped' },
      context: {
        snapshot_version: 1,
        run_id: runId,
        document_id: spec.lawId,
        pins: { ...pins, ...machinePins },
        keys: k,
        uploads: machineUploads,
        stop: stop === null ? null : { code: stop.code, message: `${stop.code} at ${stop.step}`, step: stop.step, at },
        completed,
      },
      children: {},
    },
    snapshot_version: 1,
    updated_at: at,
  };
  await writeSidecar(options.sidecarsDir, ctx);
  return { ctx, request, iuCount: rows.length, changeSetId };
}

/** A temp workspace: config (KB, sidecars, keyring, PGlite dir under one temp root) and its KB. */
export interface TestWorkspace {
  config: Config;
  kb: KbStore;
  cleanup(): Promise<void>;
}

/**
 * Makes a workspace whose trusted keyring holds `trustedPublicKeys`. The KB is a real git work
 * tree opened with a hermetic git environment; `config.pgliteDir` is a (not yet created) temp dir.
 */
export async function makeWorkspace(trustedPublicKeys: readonly string[]): Promise<TestWorkspace> {
  const repos = await tempGitRepos('cmd-ws-');
  const kb = await repos.kb('kb');
  const keyringDir = await makeKeyringDir(trustedPublicKeys);
  const sidecarsDir = path.join(repos.root, 'sidecars');
  await mkdir(sidecarsDir, { recursive: true });
  const config: Config = {
    workspace: repos.root,
    databaseUrl: undefined,
    pgliteDir: path.join(repos.root, 'pglite'),
    writerRole: 'orchestrator_writer',
    kbDir: kb.dir,
    kbRetryMinMs: 0,
    sidecarsDir,
    keyringDir,
    backupRecipients: [],
    actor: 'tester@testhost',
    secrets: [],
  };
  return {
    config,
    kb,
    async cleanup() {
      await repos.cleanup();
      await rm(keyringDir, { recursive: true, force: true });
    },
  };
}
