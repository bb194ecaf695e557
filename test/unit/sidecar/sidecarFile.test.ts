import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { InputError } from '../../../src/errors.js';
import { findReplayRuns } from '../../../src/sidecar/findReplayRuns.js';
import { listSidecars } from '../../../src/sidecar/listSidecars.js';
import { parseSidecar } from '../../../src/sidecar/parseSidecar.js';
import { readSidecar } from '../../../src/sidecar/readSidecar.js';
import { sidecarPaths } from '../../../src/sidecar/sidecarPaths.js';
import { writeSidecar } from '../../../src/sidecar/writeSidecar.js';
import { runView } from '../../../machines/runView.js';
import { completeRunContext, freshRunContext, sampleSnapshot, withContext } from './sampleRunContext.js';
import { rejectionOf } from '../../support/rejection.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'sidecar-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const refusal = (promise: Promise<unknown>): Promise<InputError> => rejectionOf(promise, InputError);

const keysOf = (ctx: Record<string, unknown>) => ctx['keys'] as Record<string, string>;
const pinsOf = (ctx: Record<string, unknown>) => ctx['pins'] as Record<string, string>;

describe('parseSidecar', () => {
  test('accepts a fresh and a complete sidecar (schema 2: identity + snapshot)', () => {
    expect(parseSidecar(freshRunContext()).ok).toBe(true);
    const full = completeRunContext();
    const parsed = parseSidecar(JSON.stringify(full));
    expect(parsed).toMatchObject({ ok: true, value: full });
    if (parsed.ok) expect(parsed.view).toMatchObject({ state: 'done', step: null, keys: { closeout: expect.any(String) } });
  });

  test('returns every schema issue as data with dotted paths (identity and snapshot context)', () => {
    const bad = { ...withContext(completeRunContext(), (c) => {
      pinsOf(c)['region_sha'] = 'NOT-HEX';
      (c['uploads'] as Record<string, unknown>)['mark'] = { path: '/abs/x.md', sha256: 'a'.repeat(64), commit: 'b'.repeat(40) };
    }), extra: true } as Record<string, unknown>;
    const top = parseSidecar({ ...bad, schema_version: 3 });
    expect(top.ok).toBe(false);
    if (!top.ok) {
      expect(top.issues.map((i) => i.path)).toEqual(expect.arrayContaining(['schema_version', '(root)']));
      expect(top.issues.find((i) => i.path === '(root)')?.message).toMatch(/extra/);
    }
    const { extra: _extra, ...noExtra } = bad;
    const inner = parseSidecar(noExtra);
    expect(inner.ok ? [] : inner.issues.map((i) => i.path)).toEqual(expect.arrayContaining(['snapshot.context.pins.region_sha']));
  });

  test('refuses bad identities: run_id not UUIDv7, bad stop code, actor, a snapshot of another run', () => {
    const ctx = completeRunContext();
    const result = parseSidecar({ ...ctx, run_id: '550e8400-e29b-41d4-a716-446655440000', actor: 'nobody' });
    expect(result.ok ? [] : result.issues.map((i) => i.path).sort()).toEqual(['actor', 'run_id']);
    const stop = withContext(ctx, (c) => { c['stop'] = { code: 'STOP_NOPE', message: '', step: 'mark', at: '' }; });
    const r2 = parseSidecar(stop);
    expect(r2.ok ? [] : r2.issues.map((i) => i.path)).toEqual(['snapshot.context.stop.code']);
    const other = withContext(ctx, (c) => { c['run_id'] = '01900000-0000-7000-8000-000000000000'; });
    const r3 = parseSidecar(other);
    expect(r3.ok ? [] : r3.issues.map((i) => i.path)).toEqual(['snapshot.context.run_id']);
  });

  test('invalid JSON is an issue at (root), never a throw', () => {
    const result = parseSidecar('{"schema_version": 2,');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues[0]?.message).toMatch(/not valid JSON/);
  });

  test('a broken key chain is refused unless the check is skipped', () => {
    const ctx = completeRunContext();
    const tampered = withContext(ctx, (c) => { keysOf(c)['grant_probe'] = 'e'.repeat(64); });
    const result = parseSidecar(tampered);
    expect(result.ok ? [] : result.issues.map((i) => i.path)).toEqual(['snapshot.context.keys.grant_probe', 'snapshot.context.keys.closeout']);
    expect(parseSidecar(tampered, { checkKeyChain: false }).ok).toBe(true);
  });

  test('editing only a pin of the snapshot breaks the key chain (one copy of state: no second copy to agree with)', () => {
    const tampered = withContext(completeRunContext(), (c) => { pinsOf(c)['writer_digest'] = 'd'.repeat(64); });
    const result = parseSidecar(tampered);
    expect(result.ok ? [] : result.issues.map((i) => i.path)).toContain('snapshot.context.keys.cutplan');
  });
});

describe('writeSidecar / readSidecar', () => {
  test('round-trips; pretty JSON with a trailing newline at <dir>/<run_id>.json', async () => {
    const ctx = completeRunContext();
    const file = await writeSidecar(dir, ctx);
    expect(file).toBe(path.join(dir, `${ctx.run_id}.json`));
    const text = await readFile(file, 'utf8');
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).toContain('\n  "schema_version": 2,');
    expect((await readSidecar(dir, ctx.run_id)).sidecar).toEqual(ctx);
    // no temp files are left behind
    expect(await readdir(dir)).toEqual([`${ctx.run_id}.json`]);
  });

  test('overwrites with the new version', async () => {
    const ctx = freshRunContext();
    await writeSidecar(dir, ctx);
    const next = { ...ctx, snapshot: sampleSnapshot(ctx, {}, 'active', { SG1: 'awaiting' }), updated_at: '2026-05-20T10:05:00.000Z' };
    await writeSidecar(dir, next);
    expect((await readSidecar(dir, ctx.run_id)).view.state).toBe('awaiting_sg1');
  });

  test('refuses to write an invalid or non-chaining context, and writes nothing', async () => {
    const ctx = completeRunContext();
    const error = await refusal(writeSidecar(dir, withContext(ctx, (c) => { keysOf(c)['cutplan'] = 'c'.repeat(64); })));
    expect(error.where.field).toBe('snapshot.context.keys.cutplan');
    expect(await readdir(dir)).toEqual([]);
  });

  test('a sidecar failing its schema is refused naming the file, the field and its line', async () => {
    const ctx = completeRunContext();
    const file = sidecarPaths(dir, ctx.run_id).context;
    const json = JSON.stringify(withContext(ctx, (c) => { pinsOf(c)['writer_digest'] = 'xyz'; }), null, 2);
    await writeFile(file, `${json}\n`);
    const error = await refusal(readSidecar(dir, ctx.run_id));
    expect(error.where.file).toBe(file);
    expect(error.where.field).toBe('snapshot.context.pins.writer_digest');
    const expectedLine = json.split('\n').findIndex((l) => l.includes('"writer_digest"')) + 1;
    expect(error.where.line).toBe(expectedLine);
    expect(error.message).toContain('snapshot.context.pins.writer_digest');
  });

  test('a tampered key is refused by readSidecar; a forensic read still returns it', async () => {
    const ctx = completeRunContext();
    const file = sidecarPaths(dir, ctx.run_id).context;
    await writeFile(file, JSON.stringify(withContext(ctx, (c) => { keysOf(c)['source_pin'] = 'a'.repeat(64); }), null, 2));
    const error = await refusal(readSidecar(dir, ctx.run_id));
    expect(error.message).toMatch(/key chain broken/);
    expect(error.where.field).toBe('snapshot.context.keys.source_pin');
    expect((await readSidecar(dir, ctx.run_id, { checkKeyChain: false })).view.keys.source_pin).toBe('a'.repeat(64));
  });

  test('missing file, invalid JSON (with line) and a run_id differing from the file name are InputErrors', async () => {
    const ctx = freshRunContext();
    expect((await refusal(readSidecar(dir, ctx.run_id))).message).toMatch(/does not exist/);
    const file = sidecarPaths(dir, ctx.run_id).context;
    await writeFile(file, '{\n  "schema_version": 2,\n  oops\n}\n');
    const syntax = await refusal(readSidecar(dir, ctx.run_id));
    expect(syntax.where.line).toBe(3);
    const other = freshRunContext();
    await writeFile(file, JSON.stringify(other));
    expect((await refusal(readSidecar(dir, ctx.run_id))).where.field).toBe('run_id');
  });

  test('a run id that is not a UUIDv7 cannot name a path', async () => {
    await expect(readSidecar(dir, '../../etc/passwd')).rejects.toBeInstanceOf(InputError);
  });
});

describe('listSidecars and the layer-1 replay rule', () => {
  test('lists valid runs and reports unparseable files as data', async () => {
    const a = completeRunContext();
    const b = freshRunContext();
    await writeSidecar(dir, a);
    await writeSidecar(dir, b);
    await writeFile(path.join(dir, 'garbage.json'), 'not json');
    await writeFile(path.join(dir, `${b.run_id}.lock`), '{}');
    const listing = await listSidecars(dir);
    expect(listing.runs.map((r) => r.run_id).sort()).toEqual([a.run_id, b.run_id].sort());
    expect(listing.unreadable.map((u) => path.basename(u.file))).toEqual(['garbage.json']);
    expect(await listSidecars(path.join(dir, 'missing'))).toEqual({ runs: [], unreadable: [] });
  });

  test('fresh / replay / conflict', () => {
    const done = runView(completeRunContext());
    const running = runView(freshRunContext());
    const voided = runView({ ...freshRunContext(), voided: { at: '2026-05-20T12:00:00.000Z', void_document: null, change_set_void_id: null } });
    expect(voided.state).toBe('voided');
    const doc = done.document_id;
    const version = done.source_version_id;
    expect(findReplayRuns([voided], doc, version)).toEqual({ kind: 'fresh' });
    expect(findReplayRuns([done, voided], doc, version)).toEqual({ kind: 'replay', run: done });
    expect(findReplayRuns([running, voided], doc, version)).toEqual({ kind: 'conflict', runs: [running] });
    expect(findReplayRuns([done, running], doc, version).kind).toBe('conflict');
    expect(findReplayRuns([done], doc, 'f'.repeat(64))).toEqual({ kind: 'fresh' });
  });
});

describe('cross-field rules', () => {
  test('law_id must equal document_id and kb_folder must be the DESIGN §3 run folder', () => {
    const ctx = completeRunContext();
    const paths = (value: unknown) => {
      const r = parseSidecar(value);
      return r.ok ? [] : r.issues.map((i) => i.path);
    };
    expect(paths({ ...ctx, law_id: 'eu-gdpr' })).toContain('law_id');
    expect(paths({ ...ctx, kb_folder: `knowledge/dev/laws/${ctx.document_id}/run-1` })).toEqual(['kb_folder']);
    expect(paths({ ...ctx, kb_folder: `${ctx.kb_folder}-1030` })).toEqual([]);
    expect(paths({ ...ctx, kb_folder: ctx.kb_folder.replace('/v', '/vffff') })).toEqual(['kb_folder']);
    // a context missing its identity fields reports them without crashing the cross-field rule
    const { source_version_id: _s, ...noVersion } = ctx;
    expect(paths(noVersion)).toContain('source_version_id');
  });

  test('a refused approval must carry a known refusal reason', () => {
    const refused = { name: 'SG1-cut-authz-approval-20260520.md', sha256: 'a'.repeat(64), reason: 'looks_odd', message: '' };
    const ctx = withContext(completeRunContext(), (c) => {
      (c['approvals'] as Record<string, unknown>)['SG1'] = { verdict: 'invalid', accepted: null, refused: [refused], since: null };
    });
    const r = parseSidecar(ctx);
    expect(r.ok ? [] : r.issues.map((i) => i.path)).toEqual(['snapshot.context.approvals.SG1.refused.0.reason']);
  });
});
