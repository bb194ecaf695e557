/**
 * `orchestrate void` (DESIGN §5, issue 5): a sovereign voids a run. A signed void document is
 * committed into the run's KB folder, the run's change set (when leg A wrote one) gets its
 * `cutter_governance.change_set_void` row, and the sidecar becomes `voided` — which frees the
 * (document, source version) for a new cut (layer 1). Rows are never deleted: the sovereign
 * runbook `sql/lifecycle/rollback_runbook.sql` reverts them when that is wanted.
 *
 * Re-runnable: a crash after the KB commit is finished by running the command again — a valid void
 * document of the run already in the folder is adopted, and so is an existing void row.
 * (`void` is a reserved word, hence the function name {@link voidRun}.)
 */
import { createHash } from 'node:crypto';
import { readSovereignKey } from '../keys/readSovereignKey.js';
import { loadKeyring, type TrustedKeyring } from '../approval/loadKeyring.js';
import { signCleartext } from '../approval/signedText.js';
import type { Config } from '../config/configSchema.js';
import type { Database } from '../db/Database.js';
import { migrate } from '../db/migrate.js';
import { openDatabase } from '../db/openDatabase.js';
import { InputError, StopError } from '../errors.js';
import type { KbStore } from '../kb/KbStore.js';
import { openKb } from '../kb/openKb.js';
import { withFacts } from '../stops/withFacts.js';
import { utcDateStamp } from '../kb/utcStamp.js';
import { findChangeSet } from '../ledger/writeLegA.js';
import { assertNoSecrets } from '../reports/scanForSecrets.js';
import { acquireRunLock } from '../sidecar/acquireRunLock.js';
import { loadRun, persistSidecar, type LoadedRun } from '../registry/runRecord.js';
import { holdRunSessionLock } from '../registry/runRegistry.js';
import type { RunView } from '../../machines/runView.js';
import { buildVoidText, verifyVoidDocument, type AcceptedVoid, isVoidDocumentName, voidDocumentName } from '../void/voidDocument.js';
import { findChangeSetVoid, recordChangeSetVoid } from '../void/recordChangeSetVoid.js';
import { assertWorkspace } from '../orchestrator/preflight.js';

/** Options of {@link voidRun}. Relative `keyFile` resolves from `cwd`. */
export interface VoidOptions {
  config: Config;
  cwd: string;
  runId: string;
  /** The sovereign's armored private key file (a secret: never printed). */
  keyFile: string;
  passphrase?: string;
  /** Why the run is voided (required). */
  reason: string;
  /** Signature time, the `<date>` of `VOID-<date>.md` and the sidecar's `updated_at`; default now. */
  now?: Date;
  /** Database to use instead of `openDatabase(config)` (tests); it is migrated but not closed. */
  db?: Database;
  /** KB to use instead of opening `config.kbDir` (tests). */
  kb?: KbStore;
}

/** JSON result of {@link voidRun}. */
export interface VoidJson {
  ok: true;
  run_id: string;
  document_id: string;
  previous_state: RunView['state'];
  state: 'voided';
  change_set_id: string | null;
  void_document: { name: string; path: string; sha256: string; commit: string; adopted: boolean };
  /** UPPERCASE hex, as stored in the database. */
  signer_fingerprint: string;
  /** The change_set_void row; null when the run wrote no change set. */
  db_row: { id: string; adopted: boolean } | null;
  /** True when the run was voided before this call: nothing was changed (a void is safe to run twice). */
  already_voided: boolean;
  next: string;
}


/** The change set the run wrote: pinned, or committed by leg A before the sidecar recorded it (DESIGN §5 layer 2). */
async function changeSetOf(db: Database, ctx: RunView): Promise<string | null> {
  if (ctx.pins.change_set_id != null) return ctx.pins.change_set_id;
  const writerDigest = ctx.pins.writer_digest;
  if (writerDigest == null) return null;
  return (await findChangeSet(db, ctx.run_id, writerDigest))?.change_set_id ?? null;
}

/**
 * A valid void of this run already in its folder (an earlier attempt that crashed before finishing,
 * or the void of a run recorded as voided). Verified at `now`; with `recordedAt` (the time the run
 * was recorded voided, when it was), a document refused only because its signer key has expired
 * since is verified again at that time, as `verify` treats approvals: a key's normal expiry does not
 * undo a recorded void (a revocation still refuses it).
 */
async function earlierVoid(kb: KbStore, ctx: RunView, keyring: TrustedKeyring, changeSetId: string | null, now: Date, recordedAt?: Date): Promise<{ name: string; verdict: AcceptedVoid } | undefined> {
  for (const name of (await kb.list(ctx.kb_folder)).filter(isVoidDocumentName)) {
    const relPath = `${ctx.kb_folder}/${name}`;
    // Working-tree bytes on purpose: a crash between write and commit left the file uncommitted.
    const text = Buffer.from(await kb.read(relPath)).toString('utf8');
    let verdict = await verifyVoidDocument(text, keyring, { run_id: ctx.run_id }, now);
    if (!verdict.ok && verdict.reason === 'key_expired' && recordedAt !== undefined) verdict = await verifyVoidDocument(text, keyring, { run_id: ctx.run_id }, recordedAt);
    if (verdict.ok && verdict.fields.change_set_id === changeSetId) return { name, verdict };
  }
  return undefined;
}

/**
 * Adopts the VOID document `name` of the run's folder: its bytes as they are (committed and pushed
 * when an earlier attempt died before that; a no-op upload otherwise).
 * @returns the `void_document` of the result, `adopted: true`
 */
async function adoptVoidDocument(kb: KbStore, ctx: RunView, name: string): Promise<VoidJson['void_document']> {
  const relPath = `${ctx.kb_folder}/${name}`;
  const bytes = await kb.read(relPath);
  const upload = await kb.upload(relPath, bytes, 'void: adopt', { scope: 'void' });
  return { name, path: relPath, sha256: createHash('sha256').update(bytes).digest('hex'), commit: upload.commit, adopted: true };
}

/**
 * Voids run `runId` (see the file comment). Holds the run lock from the first check to the sidecar
 * write, so a live `cut`/`resume` of the run is never voided under its feet.
 *
 * @returns `json` ({@link VoidJson}) and `text`
 * A run already voided is not voided again: the call adopts the earlier void (its VOID document, made
 * sure committed and pushed, and its change_set_void row), changes nothing and succeeds with
 * `already_voided: true`, whoever signs this time and for whatever reason (safe to run twice, e.g.
 * after a void killed after it recorded).
 *
 * @throws InputError (exit 2): unknown or malformed run id, empty reason,
 *   unreadable key file or wrong passphrase, signer not in the trusted keyring — nothing is written
 * @throws StopError `STOP_LOCKED` when a live process holds the run; `STOP_DRIFT` when the change
 *   set is not the run's or another run voided it, or a run recorded as voided has no valid VOID
 *   document in its folder; `STOP_KB_UPLOAD` / `STOP_DB` from the writes
 */
export async function voidRun(options: VoidOptions): Promise<{ json: VoidJson; text: string }> {
  const { config, runId } = options;
  const now = options.now ?? new Date();
  const reason = options.reason.trim();
  if (reason === '') throw new InputError('a void needs a reason', { field: 'reason' }, [{ path: 'reason', message: 'required' }], 'pass --reason "<why the run is voided>"');
  assertWorkspace(config, { sidecars: true });
  const key = await readSovereignKey(options.cwd, options.keyFile);
  const keyring = await loadKeyring(config.keyringDir, { kbRoot: config.kbDir });

  const lock = await acquireRunLock(config.sidecarsDir, runId, now);
  let opened: Database | undefined;
  let session: { release(): Promise<void> } | undefined;
  try {
    const db = options.db ?? (opened = await openDatabase(config));
    await migrate(db);
    session = await holdRunSessionLock(db, runId);
    const { sidecar, view: ctx, version }: LoadedRun = await loadRun(db, config, runId);
    const changeSetId = await changeSetOf(db, ctx);
    const kb = options.kb ?? (await openKb({ dir: config.kbDir, retry: { minTimeout: config.kbRetryMinMs }, author: key.author }));
    await withFacts(kb.sync(), { runId, written: [], notWritten: ['void document', 'change_set_void', 'sidecar'] });

    let doc: VoidJson['void_document'];
    let signer: string;
    let signedReason: string;
    const recordedAt = sidecar.voided === null || sidecar.voided === undefined ? undefined : new Date(sidecar.voided.at);
    const earlier = await earlierVoid(kb, ctx, keyring, changeSetId, now, recordedAt);
    if (ctx.state === 'voided') {
      if (earlier === undefined) {
        throw new StopError('STOP_DRIFT', `run ${runId} is recorded as voided, but its run folder ${ctx.kb_folder} holds no valid VOID document`, {
          runId, notWritten: ['void document', 'change_set_void', 'sidecar'],
          next: 'restore the VOID document from the KB remote (git log of the run folder), then run verify',
        });
      }
      const adopted = await adoptVoidDocument(kb, ctx, earlier.name);
      const relPath = adopted.path;
      const row = changeSetId === null ? undefined : await findChangeSetVoid(db, changeSetId);
      const next = `orchestrate cut --document-id ${ctx.document_id} may start a new run of this source version`;
      const json: VoidJson = {
        ok: true, run_id: runId, document_id: ctx.document_id, previous_state: 'voided', state: 'voided', change_set_id: changeSetId,
        void_document: adopted,
        signer_fingerprint: earlier.verdict.signer_fingerprint.toUpperCase(), db_row: row === undefined ? null : { id: row.id, adopted: true },
        already_voided: true, next,
      };
      const text = [
        `run ${runId} (${ctx.document_id}) was already voided: nothing changed`,
        `  void document  ${relPath} (signed by ${json.signer_fingerprint}: "${earlier.verdict.fields.reason}")`,
        `  commit         ${adopted.commit}`,
        `  change set     ${changeSetId ?? 'none'}${row === undefined ? '' : ` (change_set_void ${row.id})`}`,
        `next: ${next}`,
      ].join('\n');
      return { json, text };
    }
    if (earlier !== undefined) {
      doc = await adoptVoidDocument(kb, ctx, earlier.name);
      signer = earlier.verdict.signer_fingerprint;
      signedReason = earlier.verdict.fields.reason;
    } else {
      const text = buildVoidText({ action: 'void', run_id: runId, change_set_id: changeSetId, document_id: ctx.document_id, source_version_id: ctx.source_version_id, reason });
      const signed = await signCleartext(text, key.armored, options.passphrase, now);
      const verdict = await verifyVoidDocument(signed, keyring, { run_id: runId }, now);
      if (!verdict.ok) {
        if (verdict.reason === 'untrusted_key') {
          throw new InputError(`signing key ${key.fingerprint.toUpperCase()} is not in the trusted keyring ${config.keyringDir}: only a sovereign can void; nothing was written`, { field: 'key' }, [],
            `add your public key (<name>.pub.asc) to ${config.keyringDir}, then run void again`);
        }
        throw new InputError(`the signed void would be refused (${verdict.reason}): ${verdict.message}; nothing was written`, { field: 'key' });
      }
      const listing = await kb.list(ctx.kb_folder);
      const stamp = utcDateStamp(now);
      let ordinal = 1;
      while (listing.includes(voidDocumentName(stamp, ordinal))) ordinal++;
      const name = voidDocumentName(stamp, ordinal);
      const relPath = `${ctx.kb_folder}/${name}`;
      assertNoSecrets(signed, { secrets: [...config.secrets, ...(options.passphrase ? [options.passphrase] : [])], where: relPath });
      const up = await kb.upload(relPath, signed, `void: sovereign void of run ${runId}`, { scope: 'void' });
      doc = { name, path: up.path, sha256: up.sha256, commit: up.commit, adopted: false };
      signer = verdict.signer_fingerprint;
      signedReason = reason;
    }

    const row = changeSetId === null ? null : await recordChangeSetVoid(db, {
      changeSetId, runId, reason: signedReason, signerFingerprint: signer, voidDocumentSha256: doc.sha256,
    }, { role: config.writerRole });
    await persistSidecar(db, config, { ...sidecar, voided: { at: now.toISOString(), void_document: doc.path, change_set_void_id: row?.id ?? null }, updated_at: now.toISOString() }, version + 1, 'void');

    const next = `orchestrate cut --document-id ${ctx.document_id} may start a new run of this source version`;
    const json: VoidJson = {
      ok: true, run_id: runId, document_id: ctx.document_id, previous_state: ctx.state, state: 'voided', change_set_id: changeSetId,
      void_document: doc, signer_fingerprint: signer.toUpperCase(), db_row: row, already_voided: false, next,
    };
    const text = [
      `run ${runId} (${ctx.document_id}) voided; it was ${ctx.state}`,
      `  void document  ${doc.path}${doc.adopted ? ' (adopted from an earlier attempt)' : ''}`,
      `  sha256         ${doc.sha256}`,
      `  commit         ${doc.commit}`,
      `  signer         ${signer.toUpperCase()}`,
      changeSetId === null
        ? '  change set     none (leg A never wrote one): nothing to record in the database'
        : `  change set     ${changeSetId} voided (change_set_void ${row?.id ?? '?'}${row?.adopted ? ', adopted' : ''}); its rows stay — sql/lifecycle/rollback_runbook.sql reverts them`,
      `next: ${next}`,
    ].join('\n');
    return { json, text };
  } finally {
    await session?.release();
    await opened?.close();
    await lock.release();
  }
}
