/**
 * `orchestrate approve` (DESIGN §6, issue 5): the sovereign's helper that writes, signs, checks and
 * commits one approval (or deny) of a gate request into the run's KB folder. It never resumes the
 * run: the operator runs `orchestrate resume` afterwards, which evaluates every approval file.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { type ApprovalFields, signApproval } from '../approval/approvalDocument.js';
import { readSovereignKey } from '../keys/readSovereignKey.js';
import { loadKeyring } from '../approval/loadKeyring.js';
import { verifyApproval } from '../approval/verifyApproval.js';
import type { Config } from '../config/configSchema.js';
import { InputError, StopError } from '../errors.js';
import type { KbStore } from '../kb/KbStore.js';
import { openKb } from '../kb/openKb.js';
import { withFacts } from '../stops/withFacts.js';
import { approvalDocumentName, parseRunFolderListing, STEP_AFTER_GATE } from '../kb/runDocuments.js';
import { utcDateStamp } from '../kb/utcStamp.js';
import { assertNoSecrets } from '../reports/scanForSecrets.js';
import { GATES, type Gate } from '../sidecar/phases.js';
import { readSidecar } from '../sidecar/readSidecar.js';
import { uploadOf, type RunUpload, type RunView } from '../../machines/runView.js';
import { sidecarPaths } from '../sidecar/sidecarPaths.js';
import path from 'node:path';
import { collectGateFiles } from '../approval/collectGateFiles.js';
import { evaluateGateApprovals } from '../approval/evaluateGateApprovals.js';
import type { TrustedKeyring } from '../approval/loadKeyring.js';
import { findRunFolder, indexEntries } from '../kb/findRunFolder.js';
import { LAWS_ROOT } from '../kb/runFolder.js';
import { canonicalRunId } from '../verify/verifyKbOnly.js';
import { readRunDocument, type RunDocumentText } from '../verify/readRunDocument.js';
import { assertWorkspace } from '../orchestrator/preflight.js';

/** Options of {@link approve}. Relative `keyFile` resolves from `cwd`. */
export interface ApproveOptions {
  config: Config;
  cwd: string;
  /** The run id (with or without hyphens); may be omitted with `runFolder`. */
  runId?: string;
  /** `SG1` or `SG2` (a string from the CLI is checked). */
  gate: string;
  /** The sovereign's armored private key file (a secret: its content is never printed). */
  keyFile: string;
  passphrase?: string;
  /** Write a deny instead of an approve; needs `reason`. */
  deny?: boolean;
  /** Why; required for deny, default `approved` for approve. */
  reason?: string;
  /** Signature time and the `<date>` of the file name; default now. */
  now?: Date;
  /** KB to use instead of opening `config.kbDir` (tests). */
  kb?: KbStore;
  /**
   * The run folder in a KB clone (KB-relative, or a path inside the KB): approve from the KB alone,
   * without the operator's sidecar (issue 9). Also used when the run has no sidecar here.
   */
  runFolder?: string;
  /**
   * Shown what the gate authorises before signing; resolves true to sign. Absent: no question
   * (function callers); the CLI asks on a terminal unless `--yes`.
   */
  confirm?: (summary: string) => Promise<boolean>;
}

/** JSON result of {@link approve}. `signer_fingerprint` is lowercase hex. */
export interface ApproveJson {
  ok: true;
  run_id: string;
  gate: Gate;
  decision: 'approve' | 'deny';
  name: string;
  path: string;
  sha256: string;
  commit: string;
  signer_fingerprint: string;
  request_sha256: string;
  resumed: false;
  next: string;
}

/** The run's request document of `gate` as recorded in the run, if uploaded. */
export function findGateRequest(ctx: RunView, gate: Gate): RunUpload | undefined {
  return uploadOf(ctx, gate);
}

/** Opens the configured KB, committing as the sovereign so the KB history names who approved. */
async function kbFor(options: ApproveOptions, author: { name: string; email: string }): Promise<KbStore> {
  if (options.kb !== undefined) return options.kb;
  return openKb({ dir: options.config.kbDir, retry: { minTimeout: options.config.kbRetryMinMs }, author });
}

/** The gate request a sovereign signs, found through the sidecar or in the KB alone. */
interface GateTarget {
  runId: string;
  folder: string;
  requestPath: string;
  /** sha256 of the committed request bytes (what the approval binds). */
  requestSha: string;
  request: RunDocumentText;
}


/** The sidecar says the gate can still be approved. @throws InputError otherwise */
function checkSidecarGate(ctx: RunView, gate: Gate, sidecarFile: string): void {
  const runId = ctx.run_id;
  if (ctx.state === 'voided' || ctx.state === 'done') {
    throw new InputError(`run ${runId} is ${ctx.state}: there is no gate to approve`, { file: sidecarFile, field: 'state' }, [], `orchestrate status --run-id ${runId} shows the run`);
  }
  const decided = ctx.approvals[gate].accepted;
  if (decided !== null) {
    throw new InputError(`gate ${gate} of run ${runId} is already decided (${decided.decision} in ${decided.name})`, { file: sidecarFile, field: `approvals.${gate}` }, [],
      decided.decision === 'approve' ? `orchestrate resume --run-id ${runId}` : 'a denied run is voided with orchestrate void, then cut again');
  }
  if (findGateRequest(ctx, gate) === undefined) {
    const next = gate === 'SG2' && ctx.state === 'awaiting_sg1'
      ? `the run waits at SG1: approve SG1 first (orchestrate approve --run-id ${runId} --gate SG1 …), then resume it`
      : `orchestrate resume --run-id ${runId} until it pauses at AWAITING_${gate}, then approve`;
    throw new InputError(`the ${gate} request of run ${runId} is not uploaded yet (run state ${ctx.state})`, { file: sidecarFile, field: 'gate' }, [], next);
  }
}

/** Committed bytes of `relPath`, undefined when it is not committed at HEAD. */
async function committedBytes(kb: KbStore, relPath: string): Promise<Uint8Array | undefined> {
  const id = (await kb.blobIds(relPath)).get(relPath);
  return id === undefined ? undefined : kb.readBlob(id);
}

/**
 * The request the sidecar recorded, re-read from the commit and checked against the record.
 * @throws StopError STOP_DRIFT when the committed request is absent or differs from the record or pin
 */
async function sidecarTarget(kb: KbStore, ctx: RunView, gate: Gate): Promise<GateTarget> {
  const runId = ctx.run_id;
  const request = findGateRequest(ctx, gate) as RunUpload;
  const drift = (message: string): StopError => new StopError('STOP_DRIFT', message, {
    runId, written: [], notWritten: [`${gate} approval`], next: 'find out who changed the request; never sign a request you have not checked',
  });
  const bytes = await committedBytes(kb, request.path);
  if (bytes === undefined) throw drift(`the ${gate} request ${request.path} recorded in the sidecar is not committed in the KB`);
  const requestSha = createHash('sha256').update(bytes).digest('hex');
  if (requestSha !== request.sha256) throw drift(`the committed ${gate} request ${request.path} has sha256 ${requestSha}, the sidecar recorded ${request.sha256}`);
  const pinned = ctx.pins[gate === 'SG1' ? 'sg1_request_sha256' : 'sg2_request_sha256'];
  if (pinned !== undefined && pinned !== requestSha) throw drift(`the committed ${gate} request has sha256 ${requestSha}, the run pinned ${pinned}`);
  return { runId, folder: ctx.kb_folder, requestPath: request.path, requestSha, request: readRunDocument(Buffer.from(bytes).toString('utf8')) };
}

/**
 * The request found in the KB alone (a sovereign's clone, issue 9): the run folder given, or the
 * one that names the run; the gate must still be open there (no later document, no valid decision).
 * @throws InputError (exit 2) when the folder or request is not committed, names another run, or the gate is past or decided
 */
async function kbTarget(kb: KbStore, keyring: TrustedKeyring, gate: Gate, runId: string | undefined, runFolder: string | undefined): Promise<GateTarget> {
  let folder: string;
  if (runFolder !== undefined) {
    const rel = path.isAbsolute(runFolder) ? path.relative(kb.dir, runFolder) : runFolder;
    folder = rel.split(path.sep).join('/').replace(/\/+$/, '');
    if (!folder.startsWith(`${LAWS_ROOT}/`) || folder.includes('..')) {
      throw new InputError(`${runFolder} is not a run folder of the KB (${LAWS_ROOT}/<law-id>/<run folder>)`, { file: runFolder, field: 'run-folder' });
    }
  } else {
    folder = await findRunFolder(kb, runId as string, (await indexEntries(kb, runId as string)).entries);
  }
  const names = [...(await kb.blobIds(folder)).keys()].filter((p) => !p.slice(folder.length + 1).includes('/')).map((p) => path.posix.basename(p));
  if (names.length === 0) throw new InputError(`nothing is committed in ${folder}`, { file: folder, field: 'run-folder' }, [], 'git pull the KB remote, then check the path');
  const documents = parseRunFolderListing(names).filter((f) => f.kind === 'document');
  const requestName = documents.find((f) => f.kind === 'document' && f.key === gate)?.name;
  if (requestName === undefined) {
    throw new InputError(`the ${gate} request is not committed in ${folder} yet`, { file: folder, field: 'gate' }, [], `wait until the run pauses at AWAITING_${gate} and its request is pushed, then git pull`);
  }
  const requestPath = `${folder}/${requestName}`;
  const bytes = (await committedBytes(kb, requestPath)) as Uint8Array;
  const request = readRunDocument(Buffer.from(bytes).toString('utf8'));
  const id = request.titleRunId;
  if (id === undefined) throw new InputError(`${requestPath} does not name its run in its title line`, { file: requestPath, line: 1, field: 'run_id' });
  if (runId !== undefined && runId !== id) throw new InputError(`${requestPath} is the request of run ${id}, not ${runId}`, { file: requestPath, line: 1, field: 'run-id' });
  if (documents.some((f) => f.kind === 'document' && (f.key === STEP_AFTER_GATE[gate] || f.key === 'closeout'))) {
    throw new InputError(`run ${id} is already past ${gate} (a later run document is committed in ${folder})`, { file: folder, field: 'gate' }, [], `orchestrate verify --run-id ${id} --kb-only shows the run`);
  }
  const requestSha = createHash('sha256').update(bytes).digest('hex');
  const found = await collectGateFiles(kb, folder, gate);
  const { accepted } = await evaluateGateApprovals(found.committed, keyring, { gate, run_id: id, request_sha256: requestSha });
  if (accepted !== null) {
    throw new InputError(`gate ${gate} of run ${id} is already decided (${accepted.decision} in ${accepted.name})`, { file: `${folder}/${accepted.name}`, field: `approvals.${gate}` }, [],
      accepted.decision === 'approve' ? 'the operator resumes the run' : 'a denied run is voided with orchestrate void, then cut again');
  }
  return { runId: id, folder, requestPath, requestSha, request };
}

/** What the sovereign is shown before signing: the law, the source version, the digests, the counts and what the gate authorises. */
export function requestSummary(target: GateTarget, gate: Gate): string {
  const { request } = target;
  const inputs = request.inputs;
  const digests = (inputs['digests'] ?? {}) as Record<string, unknown>;
  const counts = (inputs['iu_counts'] ?? {}) as Record<string, unknown>;
  const ids = (inputs['ids'] ?? {}) as Record<string, unknown>;
  const authorises = request.verdict['authorises'];
  return [
    `${gate} request of run ${target.runId}`,
    `  law        ${request.header['law'] ?? '(untitled)'} (${request.header['document_id'] ?? '?'})`,
    `  source     ${request.header['source_version'] ?? '?'}`,
    `  request    ${target.requestPath}`,
    `  sha256     ${target.requestSha}`,
    ...Object.entries(digests).map(([k, v]) => `  ${k.padEnd(10)} ${String(v)}`),
    `  backup_sha ${String(inputs['backup_sha'] ?? '?')}`,
    `  IU counts  ${Object.entries(counts).map(([k, v]) => `${k} ${String(v)}`).join(', ')}`,
    ...Object.entries(ids).map(([k, v]) => `  ${k} ${String(v)}`),
    `  authorises ${typeof authorises === 'string' ? authorises : '(see the request)'}`,
  ].join('\n');
}

/**
 * Signs and commits one approval file for a gate request.
 *
 * Steps: find the request — through the run's sidecar when it is here (its committed bytes are
 * checked against the sidecar's record and the machine's `sgN_request_sha256` pin), else in the KB
 * alone (`runFolder`, or the folder that names `runId`: a sovereign's clone, issue 9) where the gate
 * must still be open; show what it authorises and ask `confirm`; build the fields (DESIGN §6); sign
 * with the key file; verify the result against the trusted keyring exactly as the gate will; scan it
 * for secrets; commit and push it as `approvalDocumentName(gate, <UTC date>, n)` with n = 1 + the
 * gate's approval files already in the folder.
 *
 * @returns `json` ({@link ApproveJson}) and `text` (the request summary, then what was committed;
 *   it says the run was not resumed)
 * @throws InputError (exit 2): bad gate or run id, run voided or done, gate already decided or
 *   passed, request not uploaded yet, deny without reason, unreadable key file, wrong passphrase,
 *   signer not in the trusted keyring, declined at the prompt (nothing is committed in every case)
 * @throws StopError `STOP_DRIFT` when the committed request differs from the sidecar's record;
 *   `STOP_KB_UPLOAD` when the KB cannot be synced or the commit fails (SecretFound, UploadFailed)
 */
export async function approve(options: ApproveOptions): Promise<{ json: ApproveJson; text: string }> {
  const { config } = options;
  const now = options.now ?? new Date();
  if (!(GATES as readonly string[]).includes(options.gate)) {
    throw new InputError(`gate ${JSON.stringify(options.gate)} is neither SG1 nor SG2`, { field: 'gate' }, [{ path: 'gate', message: 'must be SG1 or SG2' }]);
  }
  const gate = options.gate as Gate;
  if (options.runId === undefined && options.runFolder === undefined) {
    throw new InputError('name the run: --run-id <id> or --run-folder <path in the KB>', { field: 'run-id' });
  }
  const decision = options.deny === true ? 'deny' : 'approve';
  const reason = options.reason?.trim() ?? '';
  if (decision === 'deny' && reason === '') {
    throw new InputError('a deny needs a reason', { field: 'reason' }, [{ path: 'reason', message: 'required with --deny' }], 'pass --reason "<why the request is denied>"');
  }
  assertWorkspace(config);
  const givenId = options.runId === undefined ? undefined : canonicalRunId(options.runId);
  const sidecarFile = givenId === undefined ? undefined : sidecarPaths(config.sidecarsDir, givenId).context;
  const fromSidecar = options.runFolder === undefined && sidecarFile !== undefined && existsSync(sidecarFile);
  const ctx = fromSidecar ? (await readSidecar(config.sidecarsDir, givenId as string)).view : undefined;
  if (ctx !== undefined) checkSidecarGate(ctx, gate, sidecarFile as string);

  const { armored, fingerprint, author } = await readSovereignKey(options.cwd, options.keyFile);
  const keyring = await loadKeyring(config.keyringDir, { kbRoot: config.kbDir });
  const kb = await kbFor(options, author);
  await withFacts(kb.sync(), { runId: givenId ?? '(from the run folder)', written: [], notWritten: [`${gate} approval`] });

  const target = ctx !== undefined ? await sidecarTarget(kb, ctx, gate) : await kbTarget(kb, keyring, gate, givenId, options.runFolder);
  const runId = target.runId;
  const requestSha = target.requestSha;
  const summary = requestSummary(target, gate);
  if (options.confirm !== undefined && !(await options.confirm(summary))) {
    throw new InputError(`not signed: the ${gate} approval of run ${runId} was declined at the prompt; nothing was committed`, { field: 'confirm' });
  }

  const fields: ApprovalFields = { gate, run_id: runId, request_sha256: requestSha, decision, reason: reason === '' ? 'approved' : reason };
  const signed = await signApproval(fields, armored, options.passphrase, { date: now });
  const verdict = await verifyApproval(signed, keyring, { gate, run_id: runId, request_sha256: requestSha }, now);
  if (!verdict.ok) {
    if (verdict.reason === 'untrusted_key') {
      throw new InputError(`signing key ${fingerprint.toUpperCase()} is not in the trusted keyring ${config.keyringDir}; nothing was committed`, { field: 'key' }, [],
        `add your public key (<name>.pub.asc) to ${config.keyringDir}, then run approve again`);
    }
    throw new InputError(`the signed approval would be refused (${verdict.reason}): ${verdict.message}; nothing was committed`, { field: 'key' });
  }

  const listing = [...new Set([...(await kb.list(target.folder)), ...[...(await kb.blobIds(target.folder)).keys()].map((p) => path.posix.basename(p))])];
  const stamp = utcDateStamp(now);
  let ordinal = 1 + parseRunFolderListing(listing).filter((f) => f.kind === 'approval' && f.gate === gate).length;
  while (listing.includes(approvalDocumentName(gate, stamp, ordinal))) ordinal++;
  const name = approvalDocumentName(gate, stamp, ordinal);
  const relPath = `${target.folder}/${name}`;
  assertNoSecrets(signed, { secrets: [...config.secrets, ...(options.passphrase ? [options.passphrase] : [])], where: relPath });
  const up = await kb.upload(relPath, signed, `${gate}: sovereign ${decision} of run ${runId}`, { scope: gate });

  const next = `orchestrate resume --run-id ${runId}`;
  const json: ApproveJson = {
    ok: true, run_id: runId, gate, decision, name, path: up.path, sha256: up.sha256, commit: up.commit,
    signer_fingerprint: verdict.signer_fingerprint, request_sha256: requestSha, resumed: false, next,
  };
  const text = [
    summary,
    '',
    `${gate} ${decision} of run ${runId} committed to the KB`,
    `  file     ${up.path}`,
    `  sha256   ${up.sha256}`,
    `  commit   ${up.commit}`,
    `  signer   ${verdict.signer_fingerprint.toUpperCase()}`,
    `  request  ${requestSha}`,
    `the run was NOT resumed: run \`${next}\` to continue`,
  ].join('\n');
  return { json, text };
}
