/**
 * A run at a given stage, built by the real pipeline (STYLE: "never by a second hand-written copy
 * of it"): `document add`, then `cut` → `approve` → `resume` → `approve` → `resume`, the real
 * functions run in process, in a workspace made by `orchestrate init` with a throwaway sovereign
 * key trusted in its keyring and configured as the backup recipient, on PGlite or real PostgreSQL.
 *
 * - `until: 'SG1'` — paused `AWAITING_SG1` after the SG1 request;
 * - `until: 'leg_a'` — SG1 approved, leg A committed, then `structural_verify` rejects once with a
 *   StopError (the runner's test-only `actorOverrides`): stopped `STOP_BETWEEN_LEG_A_AND_LEG_B`
 *   with the change_set_id pinned;
 * - `until: 'SG2'` — paused `AWAITING_SG2` after the SG2 request;
 * - `until: 'done'` — closed out;
 * - `until: { killedAt }` — every command runs in the compiled CLI (`dist/src/cli.js`: run
 *   `npm run build` first) with `ORCHESTRATE_FAILPOINT=<killedAt>`, approving at each gate, until
 *   the process kills itself there (SIGKILL): the run is left as a crash leaves it.
 *
 * Copying a built workspace (relative paths only) is cloneRun.ts's job.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { fromPromise } from 'xstate';
import { approve } from '../../src/commands/approve.js';
import { documentAdd } from '../../src/commands/documentAdd.js';
import { init } from '../../src/commands/init.js';
import type { Config } from '../../src/config/configSchema.js';
import { CONFIG_FILE, loadConfig } from '../../src/config/loadConfig.js';
import type { IuRow } from '../../src/cutter/iuRow.js';
import { StopError } from '../../src/errors.js';
import type { KbStore } from '../../src/kb/KbStore.js';
import { openKb } from '../../src/kb/openKb.js';
import { LAWS_ROOT } from '../../src/kb/runFolder.js';
import type { SovereignKeyPair } from '../../src/keys/generateSovereignKey.js';
import { liveDocument } from '../../src/orchestrator/liveDocument.js';
import { cut } from '../../src/commands/cut.js';
import { resume } from '../../src/commands/resume.js';
import type { RunOutcome } from '../../src/orchestrator/runOutcome.js';
import { packageRoot } from '../../src/packageRoot.js';
import { listSidecars } from '../../src/sidecar/listSidecars.js';
import { readSidecar } from '../../src/sidecar/readSidecar.js';
import type { Sidecar } from '../../src/sidecar/runContextSchema.js';
import type { CutActors } from '../../machines/phases.js';
import type { RunView } from '../../machines/runView.js';
import type { GateName, StepName } from '../../machines/steps.js';
import { recordingProgress } from './cutWorkspace.js';
import { hermeticGitEnv } from './gitRepos.js';
import { makeSovereign, makeTempDir } from './sovereignKeys.js';
import { seedPglite } from './pgliteTemplate.js';

/** A document to add to the KB: what `orchestrate document add` takes. */
export interface RunDocument {
  lawId: string;
  docPrefix: string;
  title: string;
  /** Source file path. */
  source: string;
  /** Shipped vocabulary name or vocabulary file path. */
  vocab: string;
}

const SAMPLE_DIR = path.join(packageRoot(), 'knowledge', 'samples', 'sample-statute');

/** The sample statute shipped in knowledge/samples (the default document: no test needs ../shared/corpus). */
export const SAMPLE_STATUTE: RunDocument = {
  lawId: 'sample-ora',
  docPrefix: 'SAMPLE-ORA',
  title: 'Sample Open Records Act',
  source: path.join(SAMPLE_DIR, 'source.txt'),
  vocab: path.join(SAMPLE_DIR, 'vocab.yaml'),
};

/** The sample statute added under another law-id (a second, independent document of one workspace). */
export function sampleStatute(lawId: string): RunDocument {
  return { ...SAMPLE_STATUTE, lawId, docPrefix: lawId.toUpperCase(), title: `Sample Open Records Act (${lawId})` };
}

/** ../shared/corpus beside the repository root: only for tests about a real law. */
const CORPUS = path.resolve(packageRoot(), '..', 'shared', 'corpus');

/** The three real laws of the shared corpus, with their shipped vocabularies. */
export const CORPUS_DOCUMENTS = {
  'us-const': { lawId: 'us-const', docPrefix: 'US-CONST', title: 'Constitution of the United States', source: path.join(CORPUS, 'us-constitution', 'source.txt'), vocab: 'nara-us-constitution' },
  udhr: { lawId: 'udhr', docPrefix: 'UDHR', title: 'Universal Declaration of Human Rights', source: path.join(CORPUS, 'udhr', 'source.txt'), vocab: 'udhr' },
  'eu-gdpr': { lawId: 'eu-gdpr', docPrefix: 'EU-GDPR', title: 'General Data Protection Regulation', source: path.join(CORPUS, 'gdpr', 'source.txt'), vocab: 'eu-regulation-eurlex' },
} as const satisfies Record<string, RunDocument>;

/**
 * A workspace made by `orchestrate init`: KB `kb/`, sidecars `sidecars/`, keyring `keyring/` (the
 * sovereign's public key, also the backup recipient), PGlite `pglite/`, the sovereign's private
 * key `sovereign/sovereign.sec.asc`; `orchestrate.yaml` holds relative paths only, so a copy of
 * `root` is a workspace of its own (cloneRun.ts).
 */
export interface RunWorkspace {
  root: string;
  /** The configuration as the CLI loads it (`DATABASE_URL` from {@link RunWorkspace.env}). */
  config: Config;
  /** The KB, opened with a git environment hermetic to `root`. */
  kb: KbStore;
  sovereign: SovereignKeyPair;
  /** The sovereign's armored private key file (for `approve` / `void`). */
  sovereignKeyFile: string;
  /** Environment of a CLI child process in this workspace (PATH, HOME, DATABASE_URL on PostgreSQL). */
  env: NodeJS.ProcessEnv;
  cleanup(): Promise<void>;
}

const WORKSPACE_YAML = [
  'database:',
  '  pglite_dir: pglite',
  'kb:',
  '  dir: kb',
  '  retry_min_ms: 0',
  'sidecars:',
  '  dir: sidecars',
  'keyring:',
  '  dir: keyring',
  'backup:',
  '  recipients: [keyring/sovereign.pub.asc]',
  'actor: tester@test-host',
  '',
].join('\n');

const KEY_FILE = path.join('sovereign', 'sovereign.sec.asc');

function childEnv(databaseUrl: string | undefined): NodeJS.ProcessEnv {
  return { PATH: process.env['PATH'], HOME: process.env['HOME'], ...(databaseUrl === undefined ? {} : { DATABASE_URL: databaseUrl }) };
}

/**
 * Opens the workspace under `root` (made by {@link createRunWorkspace}, or a copy of one).
 *
 * @param databaseUrl - the workspace's PostgreSQL database; undefined: its PGlite directory
 */
export async function openRunWorkspace(root: string, sovereign: SovereignKeyPair, databaseUrl?: string): Promise<RunWorkspace> {
  const env = childEnv(databaseUrl);
  const config = await loadConfig({ workspace: root, env });
  const kb = await openKb({ dir: config.kbDir, retry: { minTimeout: 0 }, env: hermeticGitEnv(root) });
  return {
    root,
    config,
    kb,
    sovereign,
    sovereignKeyFile: path.join(root, KEY_FILE),
    env,
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

/** How the workspace's keyring is made. */
export interface WorkspaceOptions {
  /** Seconds after its creation (one day ago) the generated sovereign key expires; default never. */
  keyExpirationTime?: number;
  /** The workspace's sovereign (signs buildRun's approvals, backup recipient); default a new throwaway key. */
  sovereign?: SovereignKeyPair;
  /** More armored public keys the keyring trusts. */
  trustedKeys?: string[];
}

/**
 * Creates a workspace in a temp dir through `orchestrate init`; a PGlite workspace gets a copy of
 * the migrated PGlite template (pgliteTemplate.ts), a PostgreSQL one uses `databaseUrl` (migrated
 * by the first cut).
 */
export async function createRunWorkspace(options: WorkspaceOptions & { databaseUrl?: string } = {}): Promise<RunWorkspace> {
  const root = await makeTempDir('build-run-');
  const { databaseUrl } = options;
  const sovereign = options.sovereign ?? await makeSovereign({ name: 'Test Sovereign', ...(options.keyExpirationTime === undefined ? {} : { keyExpirationTime: options.keyExpirationTime }) });
  await writeFile(path.join(root, CONFIG_FILE), WORKSPACE_YAML);
  await init({ dir: root, cwd: root, env: childEnv(databaseUrl) });
  await writeFile(path.join(root, 'keyring', 'sovereign.pub.asc'), sovereign.publicKeyArmored);
  for (const [i, key] of (options.trustedKeys ?? []).entries()) await writeFile(path.join(root, 'keyring', `trusted-${i}.pub.asc`), key);
  await mkdir(path.join(root, 'sovereign'));
  await writeFile(path.join(root, KEY_FILE), sovereign.privateKeyArmored, { mode: 0o600 });
  const ws = await openRunWorkspace(root, sovereign, databaseUrl);
  if (databaseUrl === undefined) await seedPglite(ws.config.pgliteDir);
  return ws;
}

/** How far {@link buildRun} drives the run (see the file comment). */
export type BuildStage = 'SG1' | 'leg_a' | 'SG2' | 'done' | { killedAt: string };

/** Options of {@link buildRun}. */
export interface BuildRunOptions {
  until: BuildStage;
  /** The document cut; added through `document add` unless the KB has it. Default {@link SAMPLE_STATUTE}. */
  document?: RunDocument;
  /**
   * New text of the document's source, committed into the KB before the cut (a new source version
   * of a document added earlier, or the first version of a new one).
   */
  sourceText?: string;
  /** Clock of the runner and the approvals' signing time (in process only); default the real time. */
  clock?: () => Date;
}

/** What {@link buildRun} built; nothing in it is an absolute path (a template's copies share it). */
export interface BuiltRun {
  runId: string;
  lawId: string;
  /** The run folder (KB-relative). */
  folder: string;
  /** The sidecar and its view as the run left them. */
  sidecar: Sidecar;
  view: RunView;
  /** The last command's outcome (undefined for `killedAt`). */
  outcome: RunOutcome | undefined;
  /** Pinned by leg A; undefined before it. */
  changeSetId: string | undefined;
  /** KB path of each uploaded run document, by step. */
  documents: Partial<Record<StepName, string>>;
  /** KB path of each approval `buildRun` committed. */
  approvals: Partial<Record<GateName, string>>;
  /** The plan of the cut source version (the IU rows, as the cutter makes them). */
  plan: readonly IuRow[];
}

async function ensureDocument(ws: RunWorkspace, doc: RunDocument, sourceText: string | undefined): Promise<void> {
  const docDir = `${LAWS_ROOT}/${doc.lawId}`;
  if (!(await ws.kb.exists(`${docDir}/document.yaml`))) {
    let source = doc.source;
    if (sourceText !== undefined) {
      source = path.join(await makeTempDir('build-run-source-'), path.basename(doc.source));
      await writeFile(source, sourceText);
    }
    await documentAdd({ cwd: ws.root, kbDir: ws.config.kbDir, lawId: doc.lawId, docPrefix: doc.docPrefix, title: doc.title, source, vocab: doc.vocab, kb: ws.kb });
    if (sourceText !== undefined) await rm(path.dirname(source), { recursive: true, force: true });
  } else if (sourceText !== undefined) {
    await ws.kb.update(`${docDir}/source.txt`, () => sourceText, `${doc.lawId}: new source version`);
  }
}

/** A `structural_verify` that rejects at once, as a lost database connection would: the run stops right after leg A. */
function stopAfterLegA(clock: () => Date): Partial<CutActors> {
  return {
    structural_verify: fromPromise(() => Promise.reject(new StopError('STOP_DB', 'the database connection was lost before structural verify (injected by the test)', {
      written: ['leg A (change set and IUs)'],
      notWritten: ['leg B (manifest envelope)', 'verify result'],
      runbook: 'runbooks/README.md#stop_between_leg_a_and_leg_b',
      at: clock().toISOString(),
    }))),
  };
}

function expectOutcome(o: RunOutcome, code: string | null, what: string): void {
  if (o.code !== code) throw new Error(`buildRun: ${what} ended with ${o.code ?? 'done'} (${o.message}), expected ${code ?? 'done'}`);
}

async function runChild(ws: RunWorkspace, args: string[], failpoint: string): Promise<{ signal: string | null; code: number | null; stderr: string }> {
  const bin = path.join(packageRoot(), 'dist', 'src', 'cli.js');
  try {
    const r = await promisify(execFile)(process.execPath, [bin, '-w', ws.root, ...args], { env: { ...ws.env, ORCHESTRATE_FAILPOINT: failpoint }, maxBuffer: 16 * 1024 * 1024 });
    return { signal: null, code: 0, stderr: r.stderr };
  } catch (err) {
    const e = err as { signal?: string | null; code?: number | null; stderr?: string };
    return { signal: e.signal ?? null, code: typeof e.code === 'number' ? e.code : null, stderr: e.stderr ?? String(err) };
  }
}

async function runIdOf(ws: RunWorkspace, lawId: string, known: ReadonlySet<string>, stderr: string): Promise<string> {
  const fresh = (await listSidecars(ws.config.sidecarsDir)).runs.filter((r) => r.law_id === lawId && !known.has(r.run_id));
  if (fresh.length !== 1) throw new Error(`buildRun: expected one new run of ${lawId}, found ${fresh.length}; the CLI said: ${stderr}`);
  return fresh[0]!.run_id;
}

/** Drives the compiled CLI, approving at each gate, until it kills itself at `failpoint`. */
async function buildKilled(ws: RunWorkspace, lawId: string, failpoint: string): Promise<{ runId: string; approvals: BuiltRun['approvals'] }> {
  const known = new Set((await listSidecars(ws.config.sidecarsDir)).runs.map((r) => r.run_id));
  const approvals: BuiltRun['approvals'] = {};
  let runId: string | undefined;
  for (let i = 0; i < 4; i++) {
    const r = await runChild(ws, runId === undefined ? ['cut', '--document-id', lawId] : ['resume', '--run-id', runId], failpoint);
    runId ??= await runIdOf(ws, lawId, known, r.stderr);
    if (r.signal === 'SIGKILL') return { runId, approvals };
    if (r.code !== 10) throw new Error(`buildRun: the CLI ended with ${r.code ?? r.signal ?? '?'} before reaching failpoint ${failpoint}: ${r.stderr}`);
    const gate = (await readSidecar(ws.config.sidecarsDir, runId)).view.state === 'awaiting_sg1' ? 'SG1' : 'SG2';
    approvals[gate] = (await approve({ config: ws.config, cwd: ws.root, runId, gate, keyFile: ws.sovereignKeyFile })).json.path;
  }
  throw new Error(`buildRun: failpoint ${failpoint} was never reached`);
}

/**
 * Builds one run of `options.document` in `ws` up to `options.until` with the real pipeline.
 *
 * @throws Error when a command ends anywhere else than where the stage says (a test bug or a
 *   product regression, never silently accepted)
 */
export async function buildRun(ws: RunWorkspace, options: BuildRunOptions): Promise<BuiltRun> {
  const doc = options.document ?? SAMPLE_STATUTE;
  await ensureDocument(ws, doc, options.sourceText);
  const clock = options.clock ?? (() => new Date());
  const base = { config: ws.config, progress: recordingProgress(), clock };
  const approvals: BuiltRun['approvals'] = {};
  const sign = async (runId: string, gate: GateName): Promise<void> => {
    approvals[gate] = (await approve({ config: ws.config, cwd: ws.root, runId, gate, keyFile: ws.sovereignKeyFile, now: clock(), kb: ws.kb })).json.path;
  };
  let runId: string;
  let outcome: RunOutcome | undefined;
  const until = options.until;
  if (typeof until === 'object') {
    const killed = await buildKilled(ws, doc.lawId, until.killedAt);
    runId = killed.runId;
    Object.assign(approvals, killed.approvals);
  } else {
    outcome = await cut({ ...base, documentId: doc.lawId });
    runId = outcome.run_id;
    expectOutcome(outcome, 'AWAITING_SG1', 'cut');
    if (until !== 'SG1') {
      await sign(runId, 'SG1');
      outcome = await resume({ ...base, runId, ...(until === 'leg_a' ? { actorOverrides: stopAfterLegA(clock) } : {}) });
      expectOutcome(outcome, until === 'leg_a' ? 'STOP_BETWEEN_LEG_A_AND_LEG_B' : 'AWAITING_SG2', 'resume after SG1');
    }
    if (until === 'done') {
      await sign(runId, 'SG2');
      outcome = await resume({ ...base, runId });
      expectOutcome(outcome, null, 'resume after SG2');
    }
  }
  const { sidecar, view } = await readSidecar(ws.config.sidecarsDir, runId);
  const documents = Object.fromEntries(view.uploads.map((u) => [u.step, u.path])) as BuiltRun['documents'];
  const live = liveDocument(ws.config.kbDir, doc.lawId);
  return {
    runId,
    lawId: doc.lawId,
    folder: view.kb_folder,
    sidecar,
    view,
    outcome,
    changeSetId: view.pins.change_set_id ?? undefined,
    documents,
    approvals,
    plan: live.doc.sourceVersionId === view.source_version_id ? live.plan() : [],
  };
}

/** Path of a run's sidecar file. */
export function sidecarFile(ws: RunWorkspace, runId: string): string {
  return path.join(ws.config.sidecarsDir, `${runId}.json`);
}

/** Reads a run's sidecar JSON as it is on disk (for tests that tamper with it). */
export async function readSidecarJson(ws: RunWorkspace, runId: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(sidecarFile(ws, runId), 'utf8')) as Record<string, unknown>;
}

/** Writes a (tampered) sidecar JSON back, pretty-printed as the product writes it. */
export async function writeSidecarJson(ws: RunWorkspace, runId: string, json: unknown): Promise<void> {
  await writeFile(sidecarFile(ws, runId), `${JSON.stringify(json, null, 2)}\n`);
}
