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
import { completeRunContext, freshRunContext } from './sampleRunContext.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'sidecar-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function refusal(promise: Promise<unknown>): Promise<InputError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(InputError);
  return error as InputError;
}

describe('parseSidecar', () => {
  test('accepts a fresh and a complete RunContext', () => {
    expect(parseSidecar(freshRunContext()).ok).toBe(true);
    const full = completeRunContext();
    const parsed = parseSidecar(JSON.stringify(full));
    expect(parsed).toEqual({ ok: true, value: full });
  });

  test('returns every schema issue as data with dotted paths', () => {
    const bad = { ...completeRunContext(), schema_version: 2, extra: true } as Record<string, unknown>;
    (bad['context_pins'] as Record<string, unknown>)['region_sha'] = 'NOT-HEX';
    (bad['uploads'] as unknown[]).push({ name: 'x.md', path: '/abs/x.md', sha256: 'a'.repeat(64), commit: 'b'.repeat(40) });
    const result = parseSidecar(bad);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const paths = result.issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['schema_version', 'context_pins.region_sha', 'uploads.0.path', '(root)']));
    expect(result.issues.find((i) => i.path === '(root)')?.message).toMatch(/extra/);
  });

  test('refuses bad identities: run_id not UUIDv7, bad state, bad stop code, actor', () => {
    const ctx = completeRunContext();
    const result = parseSidecar({ ...ctx, run_id: '550e8400-e29b-41d4-a716-446655440000', state: 'paused', actor: 'nobody', stop: { code: 'STOP_NOPE', at: ctx.created_at, detail: '' } });
    expect(result.ok ? [] : result.issues.map((i) => i.path).sort()).toEqual(['actor', 'run_id', 'state', 'stop.code']);
  });

  test('invalid JSON is an issue at (root), never a throw', () => {
    const result = parseSidecar('{"schema_version": 1,');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues[0]?.message).toMatch(/not valid JSON/);
  });

  test('a broken key chain is refused unless the check is skipped', () => {
    const ctx = completeRunContext();
    const tampered = { ...ctx, keys: { ...ctx.keys, grant_probe: 'e'.repeat(64) } };
    const result = parseSidecar(tampered);
    expect(result.ok ? [] : result.issues.map((i) => i.path)).toEqual(['keys.grant_probe', 'keys.closeout']);
    expect(parseSidecar(tampered, { checkKeyChain: false }).ok).toBe(true);
  });
});

describe('writeSidecar / readSidecar', () => {
  test('round-trips; pretty JSON with a trailing newline at <dir>/<run_id>.json', async () => {
    const ctx = completeRunContext();
    const file = await writeSidecar(dir, ctx);
    expect(file).toBe(path.join(dir, `${ctx.run_id}.json`));
    const text = await readFile(file, 'utf8');
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).toContain('\n  "schema_version": 1,');
    expect(await readSidecar(dir, ctx.run_id)).toEqual(ctx);
    // no temp files are left behind
    expect(await readdir(dir)).toEqual([`${ctx.run_id}.json`]);
  });

  test('overwrites with the new version', async () => {
    const ctx = freshRunContext();
    await writeSidecar(dir, ctx);
    const next = { ...ctx, state: 'awaiting_sg1' as const, updated_at: '2026-05-20T10:05:00.000Z' };
    await writeSidecar(dir, next);
    expect((await readSidecar(dir, ctx.run_id)).state).toBe('awaiting_sg1');
  });

  test('refuses to write an invalid or non-chaining context, and writes nothing', async () => {
    const ctx = completeRunContext();
    const error = await refusal(writeSidecar(dir, { ...ctx, keys: { ...ctx.keys, cutplan: 'c'.repeat(64) } }));
    expect(error.where.field).toBe('keys.cutplan');
    expect(await readdir(dir)).toEqual([]);
  });

  test('a sidecar failing its schema is refused naming the file, the field and its line', async () => {
    const ctx = completeRunContext();
    const file = sidecarPaths(dir, ctx.run_id).context;
    const json = JSON.stringify({ ...ctx, context_pins: { ...ctx.context_pins, writer_digest: 'xyz' } }, null, 2);
    await writeFile(file, `${json}\n`);
    const error = await refusal(readSidecar(dir, ctx.run_id));
    expect(error.where.file).toBe(file);
    expect(error.where.field).toBe('context_pins.writer_digest');
    const expectedLine = json.split('\n').findIndex((l) => l.includes('"writer_digest"')) + 1;
    expect(error.where.line).toBe(expectedLine);
    expect(error.message).toContain('context_pins.writer_digest');
  });

  test('a tampered key is refused by readSidecar; a forensic read still returns it', async () => {
    const ctx = completeRunContext();
    const file = sidecarPaths(dir, ctx.run_id).context;
    await writeFile(file, JSON.stringify({ ...ctx, keys: { ...ctx.keys, source_pin: 'a'.repeat(64) } }, null, 2));
    const error = await refusal(readSidecar(dir, ctx.run_id));
    expect(error.message).toMatch(/key chain broken/);
    expect(error.where.field).toBe('keys.source_pin');
    expect((await readSidecar(dir, ctx.run_id, { checkKeyChain: false })).keys.source_pin).toBe('a'.repeat(64));
  });

  test('missing file, invalid JSON (with line) and a run_id differing from the file name are InputErrors', async () => {
    const ctx = freshRunContext();
    expect((await refusal(readSidecar(dir, ctx.run_id))).message).toMatch(/does not exist/);
    const file = sidecarPaths(dir, ctx.run_id).context;
    await writeFile(file, '{\n  "schema_version": 1,\n  oops\n}\n');
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
    const done = completeRunContext();
    const running = freshRunContext();
    const voided = { ...freshRunContext(), state: 'voided' as const };
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
    const ctx = freshRunContext();
    const refused = { name: 'SG1-cut-authz-approval-20260520.md', sha256: 'a'.repeat(64), reason: 'looks_odd', message: '' };
    const r = parseSidecar({ ...ctx, approvals: { ...ctx.approvals, SG1: { accepted: null, refused: [refused] } } });
    expect(r.ok ? [] : r.issues.map((i) => i.path)).toEqual(['approvals.SG1.refused.0.reason']);
  });
});
