import { createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readKey } from 'openpgp';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, test } from 'vitest';
import { loadKeyring } from '../../../src/approval/loadKeyring.js';
import { signCleartext } from '../../../src/approval/signCleartext.js';
import { status } from '../../../src/commands/status.js';
import { voidRun } from '../../../src/commands/void.js';
import type { Database } from '../../../src/db/Database.js';
import { migrate } from '../../../src/db/migrate.js';
import { openPglite } from '../../../src/db/openPglite.js';
import { InputError, StopError } from '../../../src/errors.js';
import { utcDateStamp } from '../../../src/kb/utcStamp.js';
import type { SovereignKeyPair } from '../../../src/keys/generateSovereignKey.js';
import { cut } from '../../../src/orchestrator/runCut.js';
import { findReplayRuns } from '../../../src/sidecar/findReplayRuns.js';
import { acquireRunLock } from '../../../src/sidecar/acquireRunLock.js';
import { listSidecars } from '../../../src/sidecar/listSidecars.js';
import { readSidecar } from '../../../src/sidecar/readSidecar.js';
import { writeSidecar } from '../../../src/sidecar/writeSidecar.js';
import { buildVoidText } from '../../../src/void/buildVoidText.js';
import { findChangeSetVoid } from '../../../src/void/recordChangeSetVoid.js';
import { verifyVoidDocument } from '../../../src/void/verifyVoidDocument.js';
import { makeCutWorkspace, recordingProgress } from '../../support/cutWorkspace.js';
import { describeEachEngine } from '../../support/engines.js';
import { fakeRun, makeWorkspace, type TestWorkspace } from '../../support/fakeRun.js';
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

describeEachEngine('orchestrate void', (engine) => {
  let ws: TestWorkspace;
  beforeAll(async () => {
    ws = await makeWorkspace([sovereign.publicKeyArmored]);
    await migrate(engine.db());
  });
  afterAll(async () => {
    await ws.cleanup();
  });
  const voidsOf = async (changeSetId: string): Promise<number> =>
    Number((await engine.db().query<{ n: string }>('SELECT count(*) AS n FROM cutter_governance.change_set_void WHERE change_set_id = $1', [changeSetId])).rows[0]?.n);

  test('voids a run stopped between leg A and leg B: signed VOID doc, DB row, sidecar voided; a second void is refused', async () => {
    const run = await fakeRun({ kb: ws.kb, sidecarsDir: ws.config.sidecarsDir, stage: 'leg_a_done', db: engine.db() });
    const now = new Date();
    const out = await voidRun({ config: ws.config, cwd: ws.config.workspace, runId: run.ctx.run_id, keyFile: keyFile('ada'), reason: 'leg B will not be completed', now, db: engine.db() });
    expect(out.json.void_document).toMatchObject({ name: `VOID-${utcDateStamp(now)}.md`, adopted: false });
    expect(out.json.change_set_id).toBe(run.changeSetId);
    expect(out.json.signer_fingerprint).toBe(sovereign.fingerprint.toUpperCase());
    expect(out.json.previous_state).toBe('stopped');
    expect(out.text).toContain('rollback_runbook.sql');

    const bytes = await readFile(path.join(ws.kb.dir, out.json.void_document.path));
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(out.json.void_document.sha256);
    expect(await ws.kb.revisions(out.json.void_document.path)).toBe(1);
    const verdict = await verifyVoidDocument(bytes.toString('utf8'), await loadKeyring(ws.config.keyringDir), { run_id: run.ctx.run_id });
    expect(verdict).toMatchObject({ ok: true, fields: { action: 'void', run_id: run.ctx.run_id, change_set_id: run.changeSetId, document_id: 'sample-ora', source_version_id: run.ctx.source_version_id, reason: 'leg B will not be completed' } });

    const row = await findChangeSetVoid(engine.db(), run.changeSetId!);
    expect(row).toMatchObject({ id: out.json.db_row?.id, run_id: run.ctx.run_id, signer_fingerprint: sovereign.fingerprint.toUpperCase(), void_document_sha256: out.json.void_document.sha256, reason: 'leg B will not be completed' });
    expect(row?.id.charAt(14)).toBe('7');
    const after = await readSidecar(ws.config.sidecarsDir, run.ctx.run_id);
    expect(after.state).toBe('voided');
    expect(after.stop).toEqual(run.ctx.stop);
    expect(after.updated_at).toBe(now.toISOString());
    const listing = await listSidecars(ws.config.sidecarsDir);
    expect(findReplayRuns(listing.runs, 'sample-ora', run.ctx.source_version_id)).toEqual({ kind: 'fresh' });

    const files = await ws.kb.list(run.ctx.kb_folder);
    const again = await rejection(voidRun({ config: ws.config, cwd: ws.config.workspace, runId: run.ctx.run_id, keyFile: keyFile('ada'), reason: 'again', db: engine.db() }));
    expect(again).toBeInstanceOf(InputError);
    expect((again as InputError).message).toContain('already voided');
    expect(await ws.kb.list(run.ctx.kb_folder)).toEqual(files);
    expect(await voidsOf(run.changeSetId!)).toBe(1);
  });

  test('an untrusted key is refused with nothing written anywhere', async () => {
    const run = await fakeRun({ kb: ws.kb, sidecarsDir: ws.config.sidecarsDir, stage: 'leg_a_done', law: 'readers', db: engine.db() });
    const head = await ws.kb.headCommit();
    const err = await rejection(voidRun({ config: ws.config, cwd: ws.config.workspace, runId: run.ctx.run_id, keyFile: keyFile('mallory'), reason: 'not mine to void', db: engine.db() }));
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toContain(stranger.fingerprint.toUpperCase());
    expect((err as InputError).next).toContain(ws.config.keyringDir);
    expect(await ws.kb.headCommit()).toBe(head);
    expect(await voidsOf(run.changeSetId!)).toBe(0);
    expect((await readSidecar(ws.config.sidecarsDir, run.ctx.run_id)).state).toBe('stopped');

    // a void document committed by an attempt that died before the DB write is adopted on re-run
    const text = buildVoidText({ action: 'void', run_id: run.ctx.run_id, change_set_id: run.changeSetId!, document_id: 'readers', source_version_id: run.ctx.source_version_id, reason: 'first attempt crashed' });
    const signed = await signCleartext(text, sovereign.privateKeyArmored);
    const earlier = await ws.kb.upload(`${run.ctx.kb_folder}/VOID-20260101.md`, signed, 'void: earlier attempt');
    const out = await voidRun({ config: ws.config, cwd: ws.config.workspace, runId: run.ctx.run_id, keyFile: keyFile('ada'), reason: 'second attempt', db: engine.db() });
    expect(out.json.void_document).toEqual({ name: 'VOID-20260101.md', path: earlier.path, sha256: earlier.sha256, commit: earlier.commit, adopted: true });
    expect((await findChangeSetVoid(engine.db(), run.changeSetId!))).toMatchObject({ reason: 'first attempt crashed', void_document_sha256: earlier.sha256 });
    expect(await ws.kb.list(run.ctx.kb_folder)).toEqual([run.request!.name, 'VOID-20260101.md']);
  });

  test('a done run can be voided: its IUs stay in the database', async () => {
    const run = await fakeRun({ kb: ws.kb, sidecarsDir: ws.config.sidecarsDir, stage: 'leg_a_done', law: 'archives', db: engine.db() });
    await writeSidecar(ws.config.sidecarsDir, { ...run.ctx, state: 'done', stop: null });
    const ius = async (): Promise<number> => Number((await engine.db().query<{ n: string }>('SELECT count(*) AS n FROM cutter.iu WHERE change_set_id = $1', [run.changeSetId])).rows[0]?.n);
    expect(await ius()).toBe(run.iuCount);
    const out = await voidRun({ config: ws.config, cwd: ws.config.workspace, runId: run.ctx.run_id, keyFile: keyFile('ada'), reason: 'superseded by a corrected source', db: engine.db() });
    expect(out.json.previous_state).toBe('done');
    expect(out.json.db_row?.adopted).toBe(false);
    expect(await ius()).toBe(run.iuCount);
    expect(await voidsOf(run.changeSetId!)).toBe(1);
  });

  test('a run without a change set: the void names none and writes no DB row', async () => {
    const run = await fakeRun({ kb: ws.kb, sidecarsDir: ws.config.sidecarsDir, stage: 'awaiting_sg1', startedAt: new Date('2026-04-01T10:00:00Z') });
    const out = await voidRun({ config: ws.config, cwd: ws.config.workspace, runId: run.ctx.run_id, keyFile: keyFile('ada'), reason: 'denied informally', db: engine.db() });
    expect(out.json.change_set_id).toBeNull();
    expect(out.json.db_row).toBeNull();
    const verdict = await verifyVoidDocument(await readFile(path.join(ws.kb.dir, out.json.void_document.path), 'utf8'), await loadKeyring(ws.config.keyringDir), { run_id: run.ctx.run_id });
    expect(verdict).toMatchObject({ ok: true, fields: { change_set_id: null } });
    expect((await readSidecar(ws.config.sidecarsDir, run.ctx.run_id)).state).toBe('voided');
  });

  test('a run held by a live process is refused with STOP_LOCKED; an empty reason with an input error', async () => {
    const run = await fakeRun({ kb: ws.kb, sidecarsDir: ws.config.sidecarsDir, stage: 'awaiting_sg1', law: 'readers', startedAt: new Date('2026-04-02T10:00:00Z') });
    const empty = await rejection(voidRun({ config: ws.config, cwd: ws.config.workspace, runId: run.ctx.run_id, keyFile: keyFile('ada'), reason: '  ', db: engine.db() }));
    expect((empty as InputError).where.field).toBe('reason');
    const lock = await acquireRunLock(ws.config.sidecarsDir, run.ctx.run_id);
    try {
      const err = await rejection(voidRun({ config: ws.config, cwd: ws.config.workspace, runId: run.ctx.run_id, keyFile: keyFile('ada'), reason: 'stop it', db: engine.db() }));
      expect(err).toBeInstanceOf(StopError);
      expect((err as StopError).code).toBe('STOP_LOCKED');
    } finally {
      await lock.release();
    }
    expect(await ws.kb.list(run.ctx.kb_folder)).toEqual([run.request!.name]);
    expect((await readSidecar(ws.config.sidecarsDir, run.ctx.run_id)).state).toBe('awaiting_sg1');
  });
});

it('opens the configured embedded database itself (openDatabase + migrate) and closes it', async () => {
  const ws = await makeWorkspace([sovereign.publicKeyArmored]);
  try {
    const setup = await openPglite(ws.config.pgliteDir);
    await migrate(setup);
    const run = await fakeRun({ kb: ws.kb, sidecarsDir: ws.config.sidecarsDir, stage: 'leg_a_done', law: 'readers', db: setup });
    await setup.close();
    const out = await voidRun({ config: ws.config, cwd: ws.config.workspace, runId: run.ctx.run_id, keyFile: keyFile('ada'), reason: 'configured database' });
    expect(out.json.db_row?.adopted).toBe(false);
    const check = await openPglite(ws.config.pgliteDir);
    try {
      expect(await findChangeSetVoid(check, run.changeSetId!)).toMatchObject({ id: out.json.db_row?.id, run_id: run.ctx.run_id });
    } finally {
      await check.close();
    }
  } finally {
    await ws.cleanup();
  }
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

describe('void edge cases on PGlite', () => {
  let ws: TestWorkspace;
  let db: Database;
  beforeAll(async () => {
    ws = await makeWorkspace([sovereign.publicKeyArmored]);
    db = await openPglite('memory://');
    await migrate(db);
  });
  afterAll(async () => {
    await db.close();
    await ws.cleanup();
  });

  it('finds a change set leg A committed before the sidecar recorded it (DESIGN §5 layer 2) and voids it', async () => {
    const run = await fakeRun({ kb: ws.kb, sidecarsDir: ws.config.sidecarsDir, stage: 'leg_a_done', db });
    const { change_set_id: _pinned, ...pins } = run.ctx.context_pins;
    const { cut_leg_a: _key, ...keys } = run.ctx.keys;
    await writeSidecar(ws.config.sidecarsDir, { ...run.ctx, context_pins: pins, keys, state: 'running', stop: null });
    const out = await voidRun({ config: ws.config, cwd: ws.config.workspace, runId: run.ctx.run_id, keyFile: keyFile('ada'), reason: 'crashed after leg A', db });
    expect(out.json.change_set_id).toBe(run.changeSetId);
    expect(await findChangeSetVoid(db, run.changeSetId!)).toMatchObject({ run_id: run.ctx.run_id });
  });

  it('two concurrent voids of one run: exactly one wins, the other is STOP_LOCKED or finds it voided', async () => {
    const run = await fakeRun({ kb: ws.kb, sidecarsDir: ws.config.sidecarsDir, stage: 'leg_a_done', law: 'readers', db });
    const attempt = (): Promise<unknown> => voidRun({ config: ws.config, cwd: ws.config.workspace, runId: run.ctx.run_id, keyFile: keyFile('ada'), reason: 'race', db });
    const results = await Promise.allSettled([attempt(), attempt()]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const loser = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(loser.reason instanceof StopError ? loser.reason.code : (loser.reason as InputError).message).toMatch(/STOP_LOCKED|already voided/);
    expect((await ws.kb.list(run.ctx.kb_folder)).filter((n) => n.startsWith('VOID-'))).toHaveLength(1);
  });
});

describe('void with the real runner (cut → AWAITING_SG1 → void → a new cut is allowed)', () => {
  it('frees the document: the next cut starts a new run instead of STOP_REPLAY_CONFLICT', async () => {
    const ws = await makeCutWorkspace({ laws: ['readers'] });
    onTestFinished(() => rm(ws.dir, { recursive: true, force: true }));
    const progress = recordingProgress();
    const first = await cut({ config: ws.config, documentId: 'readers', progress });
    expect(first.code).toBe('AWAITING_SG1');
    const blocked = await cut({ config: ws.config, documentId: 'readers', progress }).catch((e: unknown) => e);
    expect((blocked as StopError).code).toBe('STOP_REPLAY_CONFLICT');

    const out = await voidRun({ config: ws.config, cwd: ws.dir, runId: first.run_id, keyFile: ws.sovereignKey, reason: 'wrong vocabulary chosen' });
    expect(out.json).toMatchObject({ previous_state: 'awaiting_sg1', change_set_id: null, db_row: null, signer_fingerprint: ws.fingerprint.toUpperCase() });
    expect(out.json.void_document.path.startsWith(`${first.kb_folder}/VOID-`)).toBe(true);
    const shown = (await status({ config: ws.config, runId: first.run_id })).json as { state: string };
    expect(shown.state).toBe('voided');

    const second = await cut({ config: ws.config, documentId: 'readers', progress });
    expect(second.run_id).not.toBe(first.run_id);
    expect(second.code).toBe('AWAITING_SG1');
  });
});
