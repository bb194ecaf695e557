/**
 * Approval checks of `verify` (DESIGN §6): the approval each gate accepted still verifies against
 * the configured trusted keyring, is bound to the request document the run uploaded, is the file
 * the sidecar recorded, and every approval file of the run folder was committed once.
 */
import type { TrustedKeyring } from '../approval/loadKeyring.js';
import { verifyApproval, type ApprovalVerdict, type ExpectedApproval } from '../approval/verifyApproval.js';
import { parseRunFolderListing, parseRunFolderName, STEP_AFTER_GATE, type GateKey } from '../kb/runDocuments.js';
import type { RunView } from '../../machines/runView.js';
import { GATES } from '../sidecar/phases.js';
import { sha256Hex } from '../evidence/checkKbEvidence.js';
import type { KbReader } from './checkRunFolder.js';
import { problemsCheck, type VerifyCheck } from './VerifyCheck.js';

/** The trusted keyring, or why it could not be loaded (a configuration problem, reported as a failed row). */
export type KeyringOrError = TrustedKeyring | { error: string };


/** The run's pinned `sgN_request_sha256`, when present. */
function snapshotRequestPin(ctx: RunView, gate: GateKey): string | undefined {
  return ctx.pins[gate === 'SG1' ? 'sg1_request_sha256' : 'sg2_request_sha256'];
}

/**
 * Verifies at `now`; an approval refused only because the signer key expired since is re-verified at
 * its signing time, so a key's normal expiry does not void history (a revocation still does).
 */
export async function verifyAt(text: string, keyring: TrustedKeyring, expected: ExpectedApproval, now: Date, signedAt: string): Promise<{ verdict: ApprovalVerdict; note?: string }> {
  const verdict = await verifyApproval(text, keyring, expected, now);
  if (verdict.ok || verdict.reason !== 'key_expired') return { verdict };
  const then = await verifyApproval(text, keyring, expected, new Date(signedAt));
  return then.ok ? { verdict: then, note: `the signer key has expired since; valid when signed at ${signedAt}` } : { verdict };
}

async function checkGate(kb: KbReader, ctx: RunView, gate: GateKey, keyring: KeyringOrError, listing: readonly string[], now: Date): Promise<VerifyCheck | undefined> {
  const accepted = ctx.approvals[gate].accepted;
  const passed = ctx.keys[STEP_AFTER_GATE[gate]] != null;
  const files = parseRunFolderListing(listing).filter((f) => f.kind === 'approval' && f.gate === gate);
  if (accepted === null && !passed && files.length === 0) return undefined;
  const problems: string[] = [];
  const notes: string[] = [];
  for (const file of files) {
    const revisions = await kb.revisions(`${ctx.kb_folder}/${file.name}`);
    if (revisions !== 1) problems.push(`${file.name} has ${revisions} revisions`);
  }
  const check = `approval.${gate}`;
  if (accepted === null) {
    if (passed) problems.push(`the run went past ${gate} (keys.${STEP_AFTER_GATE[gate]} is set) but no approval is recorded as accepted`);
    return problemsCheck(check, problems, { expected: passed ? 'an accepted approval' : 'none accepted yet', observed: `${files.length} approval file(s)` });
  }
  if (passed && accepted.decision !== 'approve') problems.push(`the run went past ${gate} on a ${accepted.decision} decision`);
  const path = `${ctx.kb_folder}/${accepted.name}`;
  const request = ctx.uploads.find((u) => { const p = parseRunFolderName(u.name); return p?.kind === 'document' && p.key === gate; });
  const pinned = snapshotRequestPin(ctx, gate);
  if (request === undefined) problems.push(`no ${gate} request upload is recorded`);
  else if (pinned !== undefined && pinned !== request.sha256) problems.push(`the snapshot pins request sha256 ${pinned}, the upload record says ${request.sha256}`);
  // Evidence is the commit (DESIGN §6): the committed bytes are verified, never the work tree's.
  const blob = (await kb.blobIds(ctx.kb_folder)).get(path);
  let bytes: Uint8Array | undefined;
  if (blob !== undefined) bytes = await kb.readBlob(blob);
  else problems.push(`${accepted.name} is not committed at HEAD in the run folder`);
  if (bytes !== undefined) {
    if (sha256Hex(bytes) !== accepted.sha256) problems.push(`${accepted.name} bytes differ from the sha256 recorded when it was accepted`);
    if ('error' in keyring) problems.push(`cannot re-verify: ${keyring.error}`);
    else if (request !== undefined) {
      // The recorded sha of the uploaded request: whether the request file still has those bytes is
      // its own kb.document row, so one tampering shows up in one place.
      const expected: ExpectedApproval = { gate, run_id: ctx.run_id, request_sha256: request.sha256 };
      const { verdict, note } = await verifyAt(Buffer.from(bytes).toString('utf8'), keyring, expected, now, accepted.signed_at);
      if (!verdict.ok) problems.push(`refused on re-verification: ${verdict.reason}: ${verdict.message}`);
      else {
        if (verdict.decision !== accepted.decision) problems.push(`the signed decision is ${verdict.decision}, the sidecar recorded ${accepted.decision}`);
        if (verdict.signer_fingerprint.toLowerCase() !== accepted.signer_fingerprint) problems.push(`signed by ${verdict.signer_fingerprint}, the sidecar recorded ${accepted.signer_fingerprint}`);
        if (note !== undefined) notes.push(note);
      }
    }
  }
  return problemsCheck(check, problems, {
    expected: `${accepted.name} sha256 ${accepted.sha256}, ${accepted.decision} signed by ${accepted.signer_fingerprint}`,
    observed: bytes === undefined ? '(absent)' : `sha256 ${sha256Hex(bytes)}`,
    ...(notes.length > 0 ? { okDetail: notes.join('; ') } : {}),
  });
}

/**
 * @param keyring - the configured trusted keyring (or why it failed to load)
 * @param now - verification time (default now)
 * @returns one `approval.SG1` / `approval.SG2` row for each gate that has an accepted approval, any
 *   approval file, or that the run went past (then an accepted `approve` is required)
 */
export async function checkApprovals(kb: KbReader, ctx: RunView, keyring: KeyringOrError, now: Date = new Date()): Promise<VerifyCheck[]> {
  const listing = await kb.list(ctx.kb_folder);
  const rows: VerifyCheck[] = [];
  for (const gate of GATES) {
    const row = await checkGate(kb, ctx, gate, keyring, listing, now);
    if (row !== undefined) rows.push(row);
  }
  return rows;
}
