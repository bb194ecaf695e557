/**
 * `orchestrate verify --kb-only` (issue 9, DESIGN §6, §11): the auditor's check of one run from a
 * clone of the KB remote and the trusted keyring alone — no sidecar, and a database only when one
 * is configured. Verification is anchored on signatures: trusted keyring → signed approvals
 * (committed) → the request documents they bind (`request_sha256`) → the digests and ids those
 * requests carry → every run document declaring them → the final report's sha256 table of every
 * run document and approval → the runs-index line. Then the evidence checker re-derives the plan
 * from the KB's own document.yaml, source (from history when replaced since) and vocabulary, so the
 * signed digests are recomputed, not trusted. Reads only: never writes the KB, never creates a DB.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { collectGateFiles } from '../approval/collectGateFiles.js';
import type { AcceptedApproval, RefusedApproval } from '../../machines/types.js';
import type { Queryable } from '../db/Database.js';
import { InputError } from '../errors.js';
import { normaliseRunId } from '../runId.js';
import { checkEvidence } from '../evidence/checkEvidence.js';
import type { EvidenceRun } from '../evidence/EvidenceRun.js';
import type { KbStore } from '../kb/KbStore.js';
import { parseRunFolderName, RUN_DOCUMENT_KEYS, STEP_AFTER_GATE, type GateKey, type RunDocumentKey } from '../kb/runDocuments.js';
import { findRunFolder, indexEntries } from '../kb/findRunFolder.js';
import { kbTreeAt } from '../kb/kbTreeAt.js';
import type { RunsIndexRecord } from '../kb/runsIndex.js';
import { PIN_NAMES, type Pins } from '../../machines/types.js';
import { verifyAt, type KeyringOrError } from './checkApprovals.js';
import { declaredValues, readRunDocument, type RunDocumentText } from './readRunDocument.js';
import { problemsCheck, type VerifyCheck, type VerifyReport } from './VerifyCheck.js';
import { kbHistory } from './verifyRun.js';

/** Options of {@link verifyKbOnly}. */
export interface VerifyKbOnlyOptions {
  /** The KB clone (HEAD is what is verified). */
  kb: KbStore;
  /** The trusted keyring, or why it could not be loaded. */
  keyring: KeyringOrError;
  /** Run id, canonical or the runs-index's 32-hex form. */
  runId: string;
  /** A configured database: its IU and governance rows are then checked too; otherwise skipped. */
  db?: Queryable;
  /** Verification time of signatures. @default now */
  now?: Date;
  /**
   * false: only the chain rows (no evidence re-derivation) — what `verify` adds to a sidecar-based
   * verification, which re-derives the evidence itself. @default true
   */
  evidence?: boolean;
}

/** The KB-only report: the run's state as the KB shows it, and why the sidecar was not used. */
export interface KbOnlyReport extends VerifyReport {
  mode: 'kb-only';
  /** KB-relative run folder that was verified. */
  kb_folder: string;
  /** The pins the signed chain establishes (the requests' digests and ids, the request and final report sha256). */
  pins: Pins;
}

/**
 * The canonical (hyphenated, lower-case) form of a run id given with or without hyphens.
 * @throws InputError (exit 2) when it is not a UUID
 */
export function canonicalRunId(runId: string): string {
  const id = normaliseRunId(runId);
  if (id === undefined) throw new InputError(`"${runId}" is not a run id (a UUID, with or without hyphens)`, { field: 'run-id' }, [], 'list the runs with `orchestrate runs` and pass one of their run ids');
  return id;
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const decode = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');

/** One committed file of the run folder. */
interface FolderFile {
  name: string;
  relPath: string;
  bytes: Uint8Array;
  sha256: string;
}

/** The run's documents by step, in step order (a key uploaded twice keeps both, which fails). */
interface RunDocuments {
  byKey: Map<RunDocumentKey, { file: FolderFile; doc: RunDocumentText }[]>;
  approvals: Map<GateKey, FolderFile[]>;
  voids: FolderFile[];
  others: FolderFile[];
}

function classify(files: readonly FolderFile[]): RunDocuments {
  const out: RunDocuments = { byKey: new Map(), approvals: new Map(), voids: [], others: [] };
  for (const file of files) {
    const parsed = parseRunFolderName(file.name);
    if (parsed?.kind === 'document') {
      const list = out.byKey.get(parsed.key) ?? [];
      list.push({ file, doc: readRunDocument(decode(file.bytes)) });
      out.byKey.set(parsed.key, list);
    } else if (parsed?.kind === 'approval') {
      out.approvals.set(parsed.gate, [...(out.approvals.get(parsed.gate) ?? []), file]);
    } else if (/^VOID-[^/]*\.md$/.test(file.name)) out.voids.push(file);
    else out.others.push(file);
  }
  return out;
}

const docOf = (docs: RunDocuments, key: RunDocumentKey): { file: FolderFile; doc: RunDocumentText } | undefined => docs.byKey.get(key)?.[0];

/** `kb.run_folder`: one document per step, in step order without a gap, each naming this run, law and source version. */
function checkFolder(docs: RunDocuments, runId: string, lawId: string, misnamed: ReadonlySet<string>): { check: VerifyCheck; sourceVersionId: string | undefined } {
  const problems: string[] = [];
  const present = RUN_DOCUMENT_KEYS.filter((k) => docs.byKey.has(k));
  const expectedPrefix = RUN_DOCUMENT_KEYS.slice(0, present.length);
  if (present.join() !== expectedPrefix.join()) problems.push(`documents are not the first ${present.length} steps in order: missing ${expectedPrefix.filter((k) => !docs.byKey.has(k)).join(', ')}`);
  const versions = new Set<string>();
  for (const [key, list] of docs.byKey) {
    if (list.length > 1) problems.push(`${key} has ${list.length} documents: ${list.map((d) => d.file.name).join(', ')}`);
    for (const { file, doc } of list) {
      if (doc.titleRunId !== runId) problems.push(`${file.name}: title names run ${doc.titleRunId ?? '(unparsable title)'}`);
      if (doc.header['run_id'] !== runId) problems.push(`${file.name}: header run_id is ${doc.header['run_id'] ?? '(none)'}`);
      if (doc.header['document_id'] !== lawId) problems.push(`${file.name}: header document_id is ${doc.header['document_id'] ?? '(none)'}, the folder is in ${lawId}`);
      if (doc.header['source_version'] !== undefined) versions.add(doc.header['source_version']);
    }
  }
  if (versions.size > 1) problems.push(`the documents name ${versions.size} source versions: ${[...versions].join(', ')}`);
  const strangers = docs.others.filter((f) => !misnamed.has(f.name)).map((f) => f.name);
  if (strangers.length > 0) problems.push(`files that are neither run documents nor approvals: ${strangers.join(', ')}`);
  const sourceVersionId = [...versions][0];
  return {
    check: problemsCheck('kb.run_folder', problems, {
      expected: 'run documents of the first steps in order, approvals, nothing else',
      observed: `${present.length} run documents, ${[...docs.approvals.values()].flat().length} approvals`,
      ...(misnamed.size > 0 ? { okDetail: `misnamed approval files (never read by a gate): ${[...misnamed].join(', ')}` } : {}),
    }),
    sourceVersionId,
  };
}


/** One gate's approvals evaluated from the committed files alone. */
interface GateResult {
  check: VerifyCheck | undefined;
  accepted: AcceptedApproval | null;
}

async function checkGate(gate: GateKey, docs: RunDocuments, runId: string, keyring: KeyringOrError, now: Date, finalApprovals: Record<string, Record<string, unknown>> | undefined): Promise<GateResult> {
  const request = docOf(docs, gate);
  const files = docs.approvals.get(gate) ?? [];
  const passed = docs.byKey.has(STEP_AFTER_GATE[gate]);
  if (request === undefined && files.length === 0) return { check: undefined, accepted: null };
  const problems: string[] = [];
  const check = `approval.${gate}`;
  if (request === undefined) return { check: problemsCheck(check, [`${files.length} approval file(s) but no ${gate} request document`]), accepted: null };
  if ('error' in keyring) return { check: problemsCheck(check, [`cannot verify signatures: ${keyring.error}`]), accepted: null };
  const expected = { gate, run_id: runId, request_sha256: request.file.sha256 };
  const valid: AcceptedApproval[] = [];
  const refused: RefusedApproval[] = [];
  for (const file of [...files].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const signedAt = finalApprovals?.[gate]?.['file'] === file.name ? finalApprovals[gate]['signed_at'] : undefined;
    const { verdict } = await verifyAt(decode(file.bytes), keyring, expected, now, typeof signedAt === 'string' ? signedAt : now.toISOString());
    if (verdict.ok) valid.push({ name: file.name, sha256: file.sha256, signer_fingerprint: verdict.signer_fingerprint, decision: verdict.decision, signed_at: verdict.signed_at, reason: verdict.reason });
    else refused.push({ name: file.name, sha256: file.sha256, reason: verdict.reason, message: verdict.message });
  }
  const byTime = [...valid].sort((a, b) => a.signed_at.localeCompare(b.signed_at));
  const accepted = byTime.find((a) => a.decision === 'deny') ?? byTime[0] ?? null;
  if (passed && accepted === null) problems.push(`the run went past ${gate} (${STEP_AFTER_GATE[gate]} was published) without a valid committed approval`);
  if (passed && accepted?.decision === 'deny') problems.push(`the run went past ${gate} although ${accepted.name} denies it`);
  // Refusals are on record in the next report; one not on record appeared after the gate decided.
  const recorded = new Set<string>();
  for (const list of docs.byKey.values()) for (const { doc } of list) for (const line of doc.work) {
    const m = new RegExp(`^${gate} approval (\\S+) refused: `).exec(line);
    if (m !== null) recorded.add(m[1]!);
  }
  if (passed) {
    for (const r of refused) if (!recorded.has(r.name)) problems.push(`${r.name} is refused (${r.reason}) and not on record as refused by the gate: added after the decision`);
  }
  const named = finalApprovals?.[gate];
  if (named !== undefined) {
    if (accepted === null || named['file'] !== accepted.name || named['sha256'] !== accepted.sha256) {
      problems.push(`the final report names ${String(named['file'])} (sha256 ${String(named['sha256'])}) as the ${gate} approval, the committed files give ${accepted === null ? 'none' : `${accepted.name} (sha256 ${accepted.sha256})`}`);
    }
    const extra = valid.filter((v) => v.name !== named['file']);
    for (const v of extra) problems.push(`${v.name} is a valid ${v.decision} the final report does not list: added after closeout`);
  }
  return {
    check: problemsCheck(check, problems, {
      expected: `approvals bound to ${gate} request sha256 ${request.file.sha256}`,
      observed: accepted === null ? `${refused.length} refused, none accepted` : `${accepted.name}: ${accepted.decision} by ${accepted.signer_fingerprint}`,
      ...(refused.length > 0 ? { okDetail: `refused: ${refused.map((r) => `${r.name} (${r.reason})`).join(', ')}` } : {}),
    }),
    accepted,
  };
}

/** Pins the signed requests anchor; SG2's request repeats SG1's digests and adds the write's ids. */
const ANCHORED: Record<GateKey, readonly string[]> = {
  SG1: ['manifest_digest', 'region_sha', 'writer_digest', 'backup_sha'],
  SG2: ['manifest_digest', 'region_sha', 'writer_digest', 'backup_sha', 'change_set_id', 'manifest_envelope_id', 'verify_result_id'],
};

/**
 * `chain.pins`: every pin declared by any run document agrees with the value the signed request
 * anchors (or, for pins no request carries, with every other declaration).
 * @returns the row and the agreed pins (anchored values win)
 */
function checkPins(docs: RunDocuments): { check: VerifyCheck; pins: Pins } {
  const problems: string[] = [];
  const pins: Pins = {};
  const anchors = new Map<string, { value: string; by: string }>();
  for (const gate of ['SG1', 'SG2'] as const) {
    const request = docOf(docs, gate);
    if (request === undefined) continue;
    const declared = declaredValues(request.doc, ANCHORED[gate]);
    for (const name of ANCHORED[gate]) {
      const values = [...(declared.get(name) ?? [])];
      if (values.length !== 1) { problems.push(`${request.file.name} declares ${values.length} values of ${name}`); continue; }
      const earlier = anchors.get(name);
      if (earlier !== undefined && earlier.value !== values[0]) problems.push(`${name}: ${request.file.name} says ${values[0]}, ${earlier.by} says ${earlier.value}`);
      else anchors.set(name, { value: values[0]!, by: request.file.name });
    }
    pins[gate === 'SG1' ? 'sg1_request_sha256' : 'sg2_request_sha256'] = request.file.sha256;
  }
  const seen = new Map<string, { value: string; by: string }>(anchors);
  for (const key of RUN_DOCUMENT_KEYS) {
    for (const { file, doc } of docs.byKey.get(key) ?? []) {
      for (const [name, values] of declaredValues(doc, PIN_NAMES)) {
        for (const value of values) {
          const first = seen.get(name);
          if (first === undefined) seen.set(name, { value, by: file.name });
          else if (first.value !== value) problems.push(`${name}: ${file.name} says ${value}, ${first.by}${anchors.has(name) ? ' (signed)' : ''} says ${first.value}`);
        }
      }
    }
  }
  for (const [name, { value }] of seen) if ((PIN_NAMES as readonly string[]).includes(name) && pins[name as keyof Pins] === undefined) pins[name as keyof Pins] = value;
  return {
    check: problemsCheck('chain.pins', problems, {
      expected: anchors.size > 0 ? `the ${anchors.size} digests and ids of the signed requests, declared alike by every document` : 'every document declares the same pins',
      observed: `${seen.size} pins declared`,
    }),
    pins,
  };
}

/** `chain.final_report`: its table lists every other committed document and approval with the committed sha256 and size. */
function checkFinalTable(docs: RunDocuments, final: { file: FolderFile; doc: RunDocumentText }, accepted: readonly AcceptedApproval[]): VerifyCheck {
  const problems: string[] = [];
  const committed = new Map<string, FolderFile>();
  for (const [key, list] of docs.byKey) if (key !== 'closeout') for (const { file } of list) committed.set(file.relPath, file);
  const approvalPaths = new Set(accepted.map((a) => `${path.posix.dirname(final.file.relPath)}/${a.name}`));
  for (const list of docs.approvals.values()) for (const file of list) if (approvalPaths.has(file.relPath)) committed.set(file.relPath, file);
  const listed = new Set<string>();
  for (const row of final.doc.artifacts) {
    if (row.path === final.file.relPath) continue;
    listed.add(row.path);
    const file = committed.get(row.path);
    if (file === undefined) problems.push(`${row.path} is listed but not committed in the folder`);
    else if (file.sha256 !== row.sha256 || file.bytes.length !== row.bytes) problems.push(`${file.name}: listed sha256 ${row.sha256} (${row.bytes} bytes), committed ${file.sha256} (${file.bytes.length} bytes)`);
  }
  for (const relPath of committed.keys()) if (!listed.has(relPath)) problems.push(`${path.posix.basename(relPath)} is committed but not listed in the final report`);
  return problemsCheck('chain.final_report', problems, { expected: `${committed.size} documents and approvals with their sha256`, observed: `${listed.size} listed` });
}

/** `runs_index`: a finished run has exactly one line, whose fields the signed chain confirms; an unfinished run has none. */
function checkIndex(entries: readonly RunsIndexRecord[], issues: readonly string[], done: boolean, expected: { lawId: string; sourceVersionId: string | undefined; folder: string; pins: Pins }): VerifyCheck {
  const problems = [...issues.map((i) => `runs-index ${i}`)];
  if (!done) {
    if (entries.length > 0) problems.push(`the runs-index has ${entries.length} line(s) for a run without a final report`);
    return problemsCheck('runs_index', problems, { expected: 'no line (run not closed out)', observed: `${entries.length} line(s)` });
  }
  if (entries.length !== 1) problems.push(`expected exactly one runs-index line for the run, found ${entries.length}`);
  const e = entries[0];
  if (e !== undefined) {
    const compare = (field: string, got: string | undefined, want: string | undefined): void => {
      if (got !== want) problems.push(`line ${e.line} ${field} is ${got ?? '-'}, the run's documents say ${want ?? '-'}`);
    };
    compare('document_id', e.documentId, expected.lawId);
    compare('source_version', e.sourceVersionShort, expected.sourceVersionId?.slice(0, 16));
    compare('folder', e.folder, expected.folder);
    compare('state', e.state, 'done');
    compare('change_set_id', e.changeSetId, expected.pins.change_set_id);
    compare('review_decision_id', e.reviewDecisionId, expected.pins.review_decision_id);
  }
  return problemsCheck('runs_index', problems, { expected: 'one line matching the run', observed: `${entries.length} line(s)` });
}

/**
 * The evidence rows with the plan re-derived from the KB as it was when the run published its first
 * document (document.yaml, source and vocabulary at that commit), so later edits of the law's folder
 * do not read as tampering of an old run. Without a recorded commit, from the KB as it is.
 */
async function evidenceAtRunCommit(run: EvidenceRun, kb: KbStore, history: ReturnType<typeof kbHistory>, db: Queryable | undefined) {
  const commit = run.uploads[0]?.commit;
  const tree = commit === undefined || commit === '' ? undefined : await kbTreeAt(kb.dir, commit);
  try {
    return await checkEvidence(run, { kbDir: tree?.dir ?? kb.dir, kb, history, ...(db === undefined ? {} : { db }) }, { dbErrors: 'report' });
  } finally {
    await tree?.cleanup();
  }
}

/**
 * Verifies run `runId` from the KB and keyring alone.
 *
 * @returns one row per check (`kb.run_folder`, `kb.revisions`, `approval.SGn`, `chain.pins`,
 *   `chain.final_report`, `runs_index`, then the evidence rows: `source.*`, `kb.document[…]`, and
 *   `db.*` / `backup.*` as skipped unless a database is given), `ok` when every row passed
 * @throws InputError (exit 2) for a malformed run id or a run no committed folder names
 */
export async function verifyKbOnly(options: VerifyKbOnlyOptions): Promise<KbOnlyReport> {
  const { kb, keyring } = options;
  const now = options.now ?? new Date();
  const runId = canonicalRunId(options.runId);
  const index = await indexEntries(kb, runId);
  const folder = await findRunFolder(kb, runId, index.entries);
  const lawId = folder.split('/')[3] ?? '';
  const ids = await kb.blobIds(folder);
  const files: FolderFile[] = [];
  for (const [relPath, id] of [...ids].sort()) {
    if (relPath.slice(folder.length + 1).includes('/')) continue;
    const bytes = await kb.readBlob(id);
    files.push({ name: path.posix.basename(relPath), relPath, bytes, sha256: sha256(bytes) });
  }
  const docs = classify(files);
  const misnamed = new Set<string>();
  for (const gate of ['SG1', 'SG2'] as const) for (const r of (await collectGateFiles(kb, folder, gate)).refused) if (r.reason === 'misnamed') misnamed.add(r.name);
  const folderRow = checkFolder(docs, runId, lawId, misnamed);
  const history = kbHistory(kb);
  const multi: string[] = [];
  for (const file of files) {
    const n = await history.revisions(file.relPath);
    if (n !== 1) multi.push(`${file.name} has ${n} revisions`);
  }
  const revisionsRow = problemsCheck('kb.revisions', multi, { expected: 'every committed file of the folder at exactly 1 revision', observed: `${files.length} files` });

  const final = docOf(docs, 'closeout');
  const finalApprovals = final?.doc.verdict['approvals'] as Record<string, Record<string, unknown>> | undefined;
  const gates = [await checkGate('SG1', docs, runId, keyring, now, finalApprovals), await checkGate('SG2', docs, runId, keyring, now, finalApprovals)];
  const { check: pinsRow, pins } = checkPins(docs);
  // The final report is the root of the unsigned part of the chain: its own bytes are what the KB holds.
  if (final !== undefined) pins.final_report_sha = final.file.sha256;
  const done = final !== undefined;
  const accepted = gates.map((g) => g.accepted).filter((a): a is AcceptedApproval => a !== null);
  const sourceVersionId = folderRow.sourceVersionId;

  const uploads = [];
  for (const key of RUN_DOCUMENT_KEYS) {
    const d = docOf(docs, key);
    if (d === undefined) continue;
    const commit = await history.addedIn(d.file.relPath);
    uploads.push({ path: d.file.relPath, sha256: final?.doc.artifacts.find((a) => a.path === d.file.relPath)?.sha256 ?? d.file.sha256, commit: commit ?? '' });
  }
  const sg2 = gates[1]?.accepted;
  const run: EvidenceRun = {
    run_id: runId,
    law_id: lawId,
    source_version_id: sourceVersionId ?? '',
    kb_folder: folder,
    pins,
    uploads,
    ...(sg2 === null || sg2 === undefined ? {} : { sg2_approval: { sha256: sg2.sha256, signer_fingerprint: sg2.signer_fingerprint } }),
    complete: done,
    voided: docs.voids.length > 0,
  };
  const evidence = options.evidence === false ? { checks: [] } : await evidenceAtRunCommit(run, kb, history, options.db);
  const group = (prefix: string): VerifyCheck[] => evidence.checks.filter((c) => c.check.startsWith(`${prefix}.`));

  const checks: VerifyCheck[] = [
    { check: 'sidecar', ok: true, skipped: true, detail: 'kb-only: the operator\'s sidecar is not read; the KB and the keyring are the evidence' },
    folderRow.check,
    revisionsRow,
    ...gates.map((g) => g.check).filter((c): c is VerifyCheck => c !== undefined),
    pinsRow,
    ...(final === undefined ? [] : [checkFinalTable(docs, final, accepted)]),
    checkIndex(index.entries, index.issues, done, { lawId, sourceVersionId, folder, pins }),
    ...group('kb'),
    ...group('source'),
    ...group('db'),
    ...group('backup'),
  ];
  const state = docs.voids.length > 0 ? 'voided' : done ? 'done' : docs.byKey.has('SG2') && !docs.byKey.has('lifecycle_enact') ? 'awaiting_sg2' : docs.byKey.has('SG1') && !docs.byKey.has('cut_leg_a') ? 'awaiting_sg1' : 'running';
  return { ok: checks.every((c) => c.ok), run_id: runId, state, checks, mode: 'kb-only', kb_folder: folder, pins };
}
