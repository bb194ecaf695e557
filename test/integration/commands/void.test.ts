import { createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readKey } from 'openpgp';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { loadKeyring } from '../../../src/approval/loadKeyring.js';
import { signCleartext } from '../../../src/approval/signedText.js';
import { status } from '../../../src/commands/status.js';
import { voidRun } from '../../../src/commands/void.js';
import type { Database } from '../../../src/db/Database.js';
import { openDatabase } from '../../../src/db/openDatabase.js';
import { InputError, StopError } from '../../../src/errors.js';
import { LockHeld } from '../../../src/stops/facts.js';
import { stopCodeOf } from '../../../src/stops/stopCodeOf.js';
import { utcDateStamp } from '../../../src/kb/utcStamp.js';
import type { SovereignKeyPair } from '../../../src/keys/generateSovereignKey.js';
import { cut } from '../../../src/commands/cut.js';
import { findReplayRuns } from '../../../src/sidecar/findReplayRuns.js';
import { acquireRunLock } from '../../../src/sidecar/acquireRunLock.js';
import { listSidecars } from '../../../src/sidecar/listSidecars.js';
import { readSidecar } from '../../../src/sidecar/readSidecar.js';
import { buildVoidText, verifyVoidDocument } from '../../../src/void/voidDocument.js';
import { findChangeSetVoid } from '../../../src/void/recordChangeSetVoid.js';
import { makeCutWorkspace, recordingProgress } from '../../support/cutWorkspace.js';
import { buildRun, sampleStatute, type BuiltRun, type RunWorkspace } from '../../support/buildRun.js';
import { describeEachEngineOnCopies } from '../../support/cloneRun.js';
import { makeGnupgHome, makeSovereign, makeTempDir } from '../../support/sovereignKeys.js';

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(() => { throw new Error('expected a rejection'); }, (e: unknown) => e);
}

let sovereign: SovereignKeyPair;
let stranger: SovereignKeyPair;
let keyDir: string;
const keyFile = (name: string): string => path.join(keyDir, `${name}.sec.asc`);

beforeAll(async () => {
  sovereign = await makeSovereign({ name: 'Ada Sovereign' });
  stranger = await makeSovereign({ name: 'Mallory Stranger' });
  keyDir = await makeTempDir('void-keys-');
  await writeFile(keyFile('ada'), sovereign.privateKeyArmored);
  await writeFile(keyFile('mallory'), stranger.privateKeyArmored);
});

/** Runs built once per engine by the real pipeline, one per situation; every test voids its own copy of them. */
interface VoidRuns {
  /** Stopped STOP_BETWEEN_LEG_A_AND_LEG_B, change_set_id pinned (the sample statute). */
  legA: BuiltRun;
  /** Closed out: its IUs are in force. */
  done: BuiltRun;
  /** Paused AWAITING_SG1: no change set. */
  atSg1: BuiltRun;
  /** Killed by a failpoint right after leg A committed, before the sidecar recorded the change set. */
  crashedAfterLegA: BuiltRun;
}

const buildVoidRuns = async (ws: RunWorkspace): Promise<VoidRuns> => ({
  legA: await buildRun(ws, { until: 'leg_a' }),
  done: await buildRun(ws, { until: 'done', document: sampleStatute('sample-done') }),
  atSg1: await buildRun(ws, { until: 'SG1', document: sampleStatute('sample-sg1') }),
  crashedAfterLegA: await buildRun(ws, { until: { killedAt: 'cut_leg_a/db.commit.after' }, document: sampleStatute('sample-crash') }),
});

describeEachEngineOnCopies('orchestrate void', buildVoidRuns, ({ data, test }) => {
  const voidsOf = async (db: Database, changeSetId: string): Promise<number> =>
    Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM cutter_governance.change_set_void WHERE change_set_id = $1', [changeSetId])).rows[0]?.n);

  test('voids a run stopped between leg A and leg B: signed VOID doc, DB row, sidecar voided; a second void adopts it and changes nothing', async ({ copy, expect }) => {
    const { ws, db } = copy;
    const run = data().legA;
    expect(run.view).toMatchObject({ state: 'stopped', stop: { code: 'STOP_BETWEEN_LEG_A_AND_LEG_B' } });
    expect(run.changeSetId).toBeDefined();
    const now = new Date();
    const out = await voidRun({ config: ws.config, cwd: ws.root, runId: run.runId, keyFile: ws.sovereignKeyFile, reason: 'leg B will not be completed', now, db });
    expect(out.json.void_document).toMatchObject({ name: `VOID-${utcDateStamp(now)}.md`, adopted: false });
    expect(out.json.change_set_id).toBe(run.changeSetId);
    expect(out.json.signer_fingerprint).toBe(ws.sovereign.fingerprint.toUpperCase());
    expect(out.json.previous_state).toBe('stopped');
    expect(out.text).toContain('rollback_runbook.sql');

    const bytes = await readFile(path.join(ws.kb.dir, out.json.void_document.path));
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(out.json.void_document.sha256);
    expect(await ws.kb.revisions(out.json.void_document.path)).toBe(1);
    const verdict = await verifyVoidDocument(bytes.toString('utf8'), await loadKeyring(ws.config.keyringDir), { run_id: run.runId });
    expect(verdict).toMatchObject({ ok: true, fields: { action: 'void', run_id: run.runId, change_set_id: run.changeSetId, document_id: run.lawId, source_version_id: run.view.source_version_id, reason: 'leg B will not be completed' } });

    const row = await findChangeSetVoid(db, run.changeSetId!);
    expect(row).toMatchObject({ id: out.json.db_row?.id, run_id: run.runId, signer_fingerprint: ws.sovereign.fingerprint.toUpperCase(), void_document_sha256: out.json.void_document.sha256, reason: 'leg B will not be completed' });
    expect(row?.id.charAt(14)).toBe('7');
    const after = (await readSidecar(ws.config.sidecarsDir, run.runId)).view;
    expect(after.state).toBe('voided');
    expect(after.stop).toEqual(run.view.stop);
    expect(after.updated_at).toBe(now.toISOString());
    const listing = await listSidecars(ws.config.sidecarsDir);
    expect(findReplayRuns(listing.runs, run.lawId, run.view.source_version_id)).toEqual({ kind: 'fresh' });

    const files = await ws.kb.list(run.folder);
    // A second void is safe: it adopts the first (same document, same row), changes nothing, succeeds.
    const head = await ws.kb.headCommit();
    const again = await voidRun({ config: ws.config, cwd: ws.root, runId: run.runId, keyFile: ws.sovereignKeyFile, reason: 'again', db });
    expect(again.json).toMatchObject({ ok: true, already_voided: true, previous_state: 'voided', state: 'voided', db_row: { id: row?.id, adopted: true } });
    expect(again.text).toMatch(/was already voided: nothing changed/);
    expect(again.text).toContain('"leg B will not be completed"');
    expect(again.json.void_document).toMatchObject({ path: out.json.void_document.path, sha256: out.json.void_document.sha256, adopted: true });
    expect(await ws.kb.headCommit()).toBe(head);
    expect(await ws.kb.list(run.folder)).toEqual(files);
    expect(await voidsOf(db, run.changeSetId!)).toBe(1);
  });

  test('a void signed by a key that has expired since is still adopted by a second void (verified at the recorded void time); nothing changes', async ({ copy, expect }) => {
    const { ws, db } = copy;
    const run = data().atSg1;
    // Created a day ago, valid for two days: signs now, expired three days from now.
    const brief = await makeSovereign({ name: 'Brief Sovereign', keyExpirationTime: 2 * 86_400 });
    await writeFile(path.join(ws.config.keyringDir, 'brief.pub.asc'), brief.publicKeyArmored);
    const briefKey = path.join(keyDir, `brief-${run.runId}.sec.asc`);
    await writeFile(briefKey, brief.privateKeyArmored);
    const first = await voidRun({ config: ws.config, cwd: ws.root, runId: run.runId, keyFile: briefKey, reason: 'signed by a short-lived key', db });
    expect(first.json).toMatchObject({ already_voided: false, signer_fingerprint: brief.fingerprint.toUpperCase() });
    const later = new Date(Date.now() + 3 * 86_400_000);
    const bytes = await readFile(path.join(ws.kb.dir, first.json.void_document.path), 'utf8');
    expect(await verifyVoidDocument(bytes, await loadKeyring(ws.config.keyringDir), { run_id: run.runId }, later)).toMatchObject({ ok: false, reason: 'key_expired' });
    const head = await ws.kb.headCommit();

    const again = await voidRun({ config: ws.config, cwd: ws.root, runId: run.runId, keyFile: ws.sovereignKeyFile, reason: 'again, after the key expired', now: later, db });
    expect(again.json).toMatchObject({ ok: true, already_voided: true, signer_fingerprint: brief.fingerprint.toUpperCase(), void_document: { path: first.json.void_document.path, adopted: true } });
    expect(await ws.kb.headCommit()).toBe(head);
  });

  test('an untrusted key is refused with nothing written anywhere', async ({ copy, expect }) => {
    const { ws, db } = copy;
    const run = data().legA;
    const head = await ws.kb.headCommit();
    const files = await ws.kb.list(run.folder);
    const err = await rejection(voidRun({ config: ws.config, cwd: ws.root, runId: run.runId, keyFile: keyFile('mallory'), reason: 'not mine to void', db }));
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toContain(stranger.fingerprint.toUpperCase());
    expect((err as InputError).next).toContain(ws.config.keyringDir);
    expect(await ws.kb.headCommit()).toBe(head);
    expect(await voidsOf(db, run.changeSetId!)).toBe(0);
    expect((await readSidecar(ws.config.sidecarsDir, run.runId)).view.state).toBe('stopped');

    // a void document committed by an attempt that died before the DB write is adopted on re-run
    const text = buildVoidText({ action: 'void', run_id: run.runId, change_set_id: run.changeSetId!, document_id: run.lawId, source_version_id: run.view.source_version_id, reason: 'first attempt crashed' });
    const signed = await signCleartext(text, ws.sovereign.privateKeyArmored);
    const earlier = await ws.kb.upload(`${run.folder}/VOID-20260101.md`, signed, 'void: earlier attempt');
    const out = await voidRun({ config: ws.config, cwd: ws.root, runId: run.runId, keyFile: ws.sovereignKeyFile, reason: 'second attempt', db });
    expect(out.json.void_document).toEqual({ name: 'VOID-20260101.md', path: earlier.path, sha256: earlier.sha256, commit: earlier.commit, adopted: true });
    expect((await findChangeSetVoid(db, run.changeSetId!))).toMatchObject({ reason: 'first attempt crashed', void_document_sha256: earlier.sha256 });
    expect(await ws.kb.list(run.folder)).toEqual([...files, 'VOID-20260101.md'].sort());
  });

  test('a done run can be voided: its IUs stay in the database', async ({ copy, expect }) => {
    const { ws, db } = copy;
    const run = data().done;
    expect(run.view.state).toBe('done');
    const ius = async (): Promise<number> => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM cutter.iu WHERE change_set_id = $1', [run.changeSetId])).rows[0]?.n);
    expect(await ius()).toBe(run.plan.length);
    const out = await voidRun({ config: ws.config, cwd: ws.root, runId: run.runId, keyFile: ws.sovereignKeyFile, reason: 'superseded by a corrected source', db });
    expect(out.json.previous_state).toBe('done');
    expect(out.json.db_row?.adopted).toBe(false);
    expect(await ius()).toBe(run.plan.length);
    expect(await voidsOf(db, run.changeSetId!)).toBe(1);
  });

  test('a run without a change set: the void names none and writes no DB row', async ({ copy, expect }) => {
    const { ws, db } = copy;
    const run = data().atSg1;
    const out = await voidRun({ config: ws.config, cwd: ws.root, runId: run.runId, keyFile: ws.sovereignKeyFile, reason: 'denied informally', db });
    expect(out.json.change_set_id).toBeNull();
    expect(out.json.db_row).toBeNull();
    const verdict = await verifyVoidDocument(await readFile(path.join(ws.kb.dir, out.json.void_document.path), 'utf8'), await loadKeyring(ws.config.keyringDir), { run_id: run.runId });
    expect(verdict).toMatchObject({ ok: true, fields: { change_set_id: null } });
    expect((await readSidecar(ws.config.sidecarsDir, run.runId)).view.state).toBe('voided');
  });

  test('a run held by a live process is refused with STOP_LOCKED; an empty reason with an input error', async ({ copy, expect }) => {
    const { ws, db } = copy;
    const run = data().atSg1;
    const files = await ws.kb.list(run.folder);
    const empty = await rejection(voidRun({ config: ws.config, cwd: ws.root, runId: run.runId, keyFile: ws.sovereignKeyFile, reason: '  ', db }));
    expect((empty as InputError).where.field).toBe('reason');
    const lock = await acquireRunLock(ws.config.sidecarsDir, run.runId);
    try {
      const err = await rejection(voidRun({ config: ws.config, cwd: ws.root, runId: run.runId, keyFile: ws.sovereignKeyFile, reason: 'stop it', db }));
      expect(err).toBeInstanceOf(LockHeld);
      expect((err as LockHeld).code).toBe('STOP_LOCKED');
    } finally {
      await lock.release();
    }
    expect(await ws.kb.list(run.folder)).toEqual(files);
    expect((await readSidecar(ws.config.sidecarsDir, run.runId)).view.state).toBe('awaiting_sg1');
  });

  test('opens the configured database itself (openDatabase + migrate) and closes it', async ({ copy, expect }) => {
    const { ws } = copy;
    const run = data().legA;
    // The command opens the workspace's database itself (PGlite allows one process): the copy's handle lets go of it.
    await copy.closeDb();
    const out = await voidRun({ config: ws.config, cwd: ws.root, runId: run.runId, keyFile: ws.sovereignKeyFile, reason: 'configured database' });
    expect(out.json.db_row?.adopted).toBe(false);
    const check = await openDatabase(ws.config);
    try {
      expect(await findChangeSetVoid(check, run.changeSetId!)).toMatchObject({ id: out.json.db_row?.id, run_id: run.runId });
    } finally {
      await check.close();
    }
  });

  test('finds a change set leg A committed before the sidecar recorded it (DESIGN §5 layer 2) and voids it', async ({ copy, expect }) => {
    const { ws, db } = copy;
    const run = data().crashedAfterLegA;
    expect(run.view).toMatchObject({ state: 'running', step: 'cut_leg_a' });
    expect(run.changeSetId).toBeUndefined();
    const committed = await db.query<{ change_set_id: string }>('SELECT change_set_id FROM cutter_governance.cut_change_set WHERE run_id = $1', [run.runId]);
    expect(committed.rows).toHaveLength(1);
    const changeSetId = committed.rows[0]!.change_set_id;
    const out = await voidRun({ config: ws.config, cwd: ws.root, runId: run.runId, keyFile: ws.sovereignKeyFile, reason: 'crashed after leg A', db });
    expect(out.json.change_set_id).toBe(changeSetId);
    expect(await findChangeSetVoid(db, changeSetId)).toMatchObject({ run_id: run.runId });
  });

  test('two concurrent voids of one run: exactly one voids, the other is STOP_LOCKED or adopts it', async ({ copy, expect }) => {
    const { ws, db } = copy;
    const run = data().legA;
    const attempt = (): Promise<Awaited<ReturnType<typeof voidRun>>> => voidRun({ config: ws.config, cwd: ws.root, runId: run.runId, keyFile: ws.sovereignKeyFile, reason: 'race', db });
    const results = await Promise.allSettled([attempt(), attempt()]);
    const voided = results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<Awaited<ReturnType<typeof voidRun>>>).value.json.already_voided);
    expect(voided.filter((already) => !already)).toHaveLength(1);
    for (const r of results.filter((x) => x.status === 'rejected') as PromiseRejectedResult[]) expect(stopCodeOf(r.reason)).toBe('STOP_LOCKED');
    expect((await ws.kb.list(run.folder)).filter((n) => n.startsWith('VOID-'))).toHaveLength(1);
  });
});

describe('void documents: verification and gpg interop', () => {
  const runId = '01890a5d-ac96-774b-bcce-b302099a8057';
  const fields = { action: 'void' as const, run_id: runId, change_set_id: null, document_id: 'us-const', source_version_id: 'c'.repeat(64), reason: 'voided: "quotes" and: colons' };

  it('a void made with `gpg --clearsign` verifies; ours verifies with `gpg --verify`', async () => {
    const gnupg = await makeGnupgHome();
    try {
      gnupg.importKey(sovereign.privateKeyArmored);
      const signed = gnupg.gpg(['--yes', '--pinentry-mode', 'loopback', '--passphrase', '', '--local-user', sovereign.fingerprint, '--clearsign'], buildVoidText(fields));
      expect(signed.status).toBe(0);
      const keyring = { keys: [await readKey({ armoredKey: sovereign.publicKeyArmored })] };
      expect(await verifyVoidDocument(signed.stdout, keyring, { run_id: runId })).toMatchObject({ ok: true, fields, signer_fingerprint: sovereign.fingerprint });
      const ours = await signCleartext(buildVoidText(fields), sovereign.privateKeyArmored);
      const file = path.join(gnupg.home, 'VOID-20260401.md');
      await writeFile(file, ours);
      expect(gnupg.gpg(['--verify', file]).status).toBe(0);
    } finally {
      await gnupg.cleanup();
    }
  });

  it('refuses altered text, another run, an unknown signer, text outside the block and a duplicated key', async () => {
    const keyring = { keys: [await readKey({ armoredKey: sovereign.publicKeyArmored })] };
    const signed = await signCleartext(buildVoidText(fields), sovereign.privateKeyArmored);
    expect(await verifyVoidDocument(signed.replace('us-const', 'eu-gdpr'), keyring, { run_id: runId })).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(await verifyVoidDocument(signed, keyring, { run_id: '01890a5d-ac96-774b-bcce-b302099a8058' })).toMatchObject({ ok: false, reason: 'wrong_run' });
    const strangers = { keys: [await readKey({ armoredKey: stranger.publicKeyArmored })] };
    expect(await verifyVoidDocument(signed, strangers, { run_id: runId })).toMatchObject({ ok: false, reason: 'untrusted_key' });
    expect(await verifyVoidDocument(`change_set_id: "x"\n${signed}`, keyring, { run_id: runId })).toMatchObject({ ok: false, reason: 'unsigned_text_outside' });
    expect(await verifyVoidDocument(buildVoidText(fields), keyring, { run_id: runId })).toMatchObject({ ok: false, reason: 'unsigned' });
    const doubled = await signCleartext(buildVoidText(fields).replace('action: "void"\n', 'action: "void"\nrun_id: "01890a5d-ac96-774b-bcce-b302099a8058"\n'), sovereign.privateKeyArmored);
    expect(await verifyVoidDocument(doubled, keyring, { run_id: runId })).toMatchObject({ ok: false, reason: 'malformed_front_matter' });
    expect(() => buildVoidText({ ...fields, reason: ' ' })).toThrow(InputError);
  });
});

describe('void with the real runner (cut → AWAITING_SG1 → void → a new cut is allowed)', () => {
  it('frees the document: the next cut starts a new run instead of STOP_REPLAY_CONFLICT', async () => {
    const ws = await makeCutWorkspace({ laws: ['sample-ora'] });
    onTestFinished(() => rm(ws.dir, { recursive: true, force: true }));
    const progress = recordingProgress();
    const first = await cut({ config: ws.config, documentId: 'sample-ora', progress });
    expect(first.code).toBe('AWAITING_SG1');
    const blocked = await cut({ config: ws.config, documentId: 'sample-ora', progress }).catch((e: unknown) => e);
    expect((blocked as StopError).code).toBe('STOP_REPLAY_CONFLICT');

    const out = await voidRun({ config: ws.config, cwd: ws.dir, runId: first.run_id, keyFile: ws.sovereignKey, reason: 'wrong vocabulary chosen' });
    expect(out.json).toMatchObject({ previous_state: 'awaiting_sg1', change_set_id: null, db_row: null, signer_fingerprint: ws.fingerprint.toUpperCase() });
    expect(out.json.void_document.path.startsWith(`${first.kb_folder}/VOID-`)).toBe(true);
    const shown = (await status({ config: ws.config, runId: first.run_id })).json as { state: string };
    expect(shown.state).toBe('voided');

    const second = await cut({ config: ws.config, documentId: 'sample-ora', progress });
    expect(second.run_id).not.toBe(first.run_id);
    expect(second.code).toBe('AWAITING_SG1');
  });
});
