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
import { approvalDocumentName, parseRunFolderListing } from '../kb/runDocuments.js';
import { utcDateStamp } from '../kb/utcStamp.js';
import { assertNoSecrets } from '../reports/scanForSecrets.js';
import { GATES, type Gate } from '../sidecar/phases.js';
import { readSidecar } from '../sidecar/readSidecar.js';
import { uploadOf, type RunUpload, type RunView } from '../../machines/runView.js';
import { sidecarPaths } from '../sidecar/sidecarPaths.js';
import { assertWorkspace } from '../orchestrator/preflight.js';

/** Options of {@link approve}. Relative `keyFile` resolves from `cwd`. */
export interface ApproveOptions {
  config: Config;
  cwd: string;
  runId: string;
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

/**
 * Signs and commits one approval file for the gate request of run `runId`.
 *
 * Steps: read the sidecar; find the gate's uploaded request; re-read its committed bytes and check
 * their sha256 against the sidecar's record (and the machine's `sgN_request_sha256` pin); build the
 * fields (DESIGN §6); sign with the key file; verify the result against the trusted keyring exactly
 * as the gate will; scan it for secrets; commit it as `approvalDocumentName(gate, <UTC date>, n)`
 * with n = 1 + the gate's approval files already in the folder.
 *
 * @returns `json` ({@link ApproveJson}) and `text` (which says the run was not resumed)
 * @throws InputError (exit 2): bad gate or run id, no sidecar, run voided or done, gate already
 *   decided, request not uploaded yet, deny without reason, unreadable key file, wrong passphrase,
 *   signer not in the trusted keyring (nothing is committed in every case)
 * @throws StopError `STOP_DRIFT` when the committed request differs from the sidecar's record;
 *   `STOP_KB_UPLOAD` when the KB cannot be synced or the commit fails (SecretFound, UploadFailed)
 */
export async function approve(options: ApproveOptions): Promise<{ json: ApproveJson; text: string }> {
  const { config, runId } = options;
  const now = options.now ?? new Date();
  if (!(GATES as readonly string[]).includes(options.gate)) {
    throw new InputError(`gate ${JSON.stringify(options.gate)} is neither SG1 nor SG2`, { field: 'gate' }, [{ path: 'gate', message: 'must be SG1 or SG2' }]);
  }
  const gate = options.gate as Gate;
  assertWorkspace(config, { sidecars: true });
  const sidecarFile = sidecarPaths(config.sidecarsDir, runId).context;
  if (!existsSync(sidecarFile)) {
    throw new InputError(`unknown run ${runId}: no sidecar ${sidecarFile}`, { file: sidecarFile, field: 'run-id' }, [], 'orchestrate status lists the runs of this workspace');
  }
  const { view: ctx } = await readSidecar(config.sidecarsDir, runId);
  if (ctx.state === 'voided' || ctx.state === 'done') {
    throw new InputError(`run ${runId} is ${ctx.state}: there is no gate to approve`, { file: sidecarFile, field: 'state' }, [], `orchestrate status --run-id ${runId} shows the run`);
  }
  const decided = ctx.approvals[gate].accepted;
  if (decided !== null) {
    throw new InputError(`gate ${gate} of run ${runId} is already decided (${decided.decision} in ${decided.name})`, { file: sidecarFile, field: `approvals.${gate}` }, [],
      decided.decision === 'approve' ? `orchestrate resume --run-id ${runId}` : 'a denied run is voided with orchestrate void, then cut again');
  }
  const request = findGateRequest(ctx, gate);
  if (request === undefined) {
    const next = gate === 'SG2' && ctx.state === 'awaiting_sg1'
      ? `the run waits at SG1: approve SG1 first (orchestrate approve --run-id ${runId} --gate SG1 …), then resume it`
      : `orchestrate resume --run-id ${runId} until it pauses at AWAITING_${gate}, then approve`;
    throw new InputError(`the ${gate} request of run ${runId} is not uploaded yet (run state ${ctx.state})`, { file: sidecarFile, field: 'gate' }, [], next);
  }

  const { armored, fingerprint, author } = await readSovereignKey(options.cwd, options.keyFile);
  const keyring = await loadKeyring(config.keyringDir, { kbRoot: config.kbDir });
  const kb = await kbFor(options, author);
  await withFacts(kb.sync(), { runId, written: [], notWritten: [`${gate} approval`] });

  const drift = (message: string): StopError => new StopError('STOP_DRIFT', message, {
    runId, written: [], notWritten: [`${gate} approval`], next: 'find out who changed the request; never sign a request you have not checked',
  });
  if (!(await kb.exists(request.path))) throw drift(`the ${gate} request ${request.path} recorded in the sidecar is not committed in the KB`);
  const requestSha = createHash('sha256').update(await kb.read(request.path)).digest('hex');
  if (requestSha !== request.sha256) throw drift(`the committed ${gate} request ${request.path} has sha256 ${requestSha}, the sidecar recorded ${request.sha256}`);
  const pinned = ctx.pins[gate === 'SG1' ? 'sg1_request_sha256' : 'sg2_request_sha256'];
  if (pinned !== undefined && pinned !== requestSha) throw drift(`the committed ${gate} request has sha256 ${requestSha}, the run pinned ${pinned}`);

  const decision = options.deny === true ? 'deny' : 'approve';
  const reason = options.reason?.trim() ?? '';
  if (decision === 'deny' && reason === '') {
    throw new InputError('a deny needs a reason', { field: 'reason' }, [{ path: 'reason', message: 'required with --deny' }], 'pass --reason "<why the request is denied>"');
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

  const listing = await kb.list(ctx.kb_folder);
  const stamp = utcDateStamp(now);
  let ordinal = 1 + parseRunFolderListing(listing).filter((f) => f.kind === 'approval' && f.gate === gate).length;
  while (listing.includes(approvalDocumentName(gate, stamp, ordinal))) ordinal++;
  const name = approvalDocumentName(gate, stamp, ordinal);
  const relPath = `${ctx.kb_folder}/${name}`;
  assertNoSecrets(signed, { secrets: [...config.secrets, ...(options.passphrase ? [options.passphrase] : [])], where: relPath });
  const up = await kb.upload(relPath, signed, `${gate}: sovereign ${decision} of run ${runId}`, { scope: gate });

  const next = `orchestrate resume --run-id ${runId}`;
  const json: ApproveJson = {
    ok: true, run_id: runId, gate, decision, name, path: up.path, sha256: up.sha256, commit: up.commit,
    signer_fingerprint: verdict.signer_fingerprint, request_sha256: requestSha, resumed: false, next,
  };
  const text = [
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
