import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatDuration, parseDuration, runPhase, status, type StatusRow, type UnreadableRow } from '../../../src/commands/status.js';
import { InputError } from '../../../src/errors.js';
import { acquireRunLock } from '../../../src/sidecar/acquireRunLock.js';
import { writeSidecar } from '../../../src/sidecar/writeSidecar.js';
import { fakeRun, makeWorkspace, type FakeRun, type TestWorkspace } from '../../support/fakeRun.js';

const H = 3_600_000;
const D = 24 * H;

describe('parseDuration and formatDuration', () => {
  it.each([
    ['30m', 30 * 60_000],
    ['24h', 24 * H],
    ['7d', 7 * D],
    ['1d12h', 36 * H],
    ['90s', 90_000],
    ['2w', 14 * D],
    [' 0m ', 0],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '24', 'h', '1.5h', '-1h', '24 hours', '1y', '24H', 'h24'])('refuses %j with an InputError on the field', (text) => {
    let error: unknown;
    try {
      parseDuration(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).where.field).toBe('older-than');
  });

  it('formats the two largest units', () => {
    expect(formatDuration(2 * D + 3 * H + 59 * 60_000)).toBe('2d 3h');
    expect(formatDuration(5 * H + 12 * 60_000)).toBe('5h 12m');
    expect(formatDuration(7 * 60_000 + 30_000)).toBe('7m');
    expect(formatDuration(42_000)).toBe('42s');
    expect(formatDuration(-5)).toBe('0s');
  });
});

describe('orchestrate status over real sidecars', () => {
  let ws: TestWorkspace;
  const now = new Date('2026-03-10T12:00:00.000Z');
  let longWait: FakeRun;
  let shortWait: FakeRun;
  let running: FakeRun;

  beforeAll(async () => {
    ws = await makeWorkspace([]);
    longWait = await fakeRun({ kb: ws.kb, sidecarsDir: ws.config.sidecarsDir, stage: 'awaiting_sg1', startedAt: new Date('2026-03-08T08:00:00Z'), stoppedAt: new Date(now.getTime() - (2 * D + 3 * H + 10 * 60_000)) });
    shortWait = await fakeRun({ kb: ws.kb, sidecarsDir: ws.config.sidecarsDir, stage: 'awaiting_sg1', law: 'readers', startedAt: new Date('2026-03-10T10:00:00Z'), stoppedAt: new Date(now.getTime() - H) });
    running = await fakeRun({ kb: ws.kb, sidecarsDir: ws.config.sidecarsDir, stage: 'grant_probe_done', law: 'archives', startedAt: new Date('2026-03-10T11:00:00Z') });
    await writeFile(path.join(ws.config.sidecarsDir, '0190aaaa-0000-7000-8000-000000000000.json'), '{ "schema_version": 1, "run_id": ');
  });
  afterAll(async () => {
    await ws.cleanup();
  });

  it('lists one row per run and the unreadable sidecar as such', async () => {
    const out = await status({ config: ws.config, now });
    const json = out.json as { runs: StatusRow[]; unreadable: UnreadableRow[] };
    expect(json.runs.map((r) => r.run_id).sort()).toEqual([longWait, shortWait, running].map((r) => r.ctx.run_id).sort());
    const byId = new Map(json.runs.map((r) => [r.run_id, r]));
    expect(byId.get(longWait.ctx.run_id)).toMatchObject({ document_id: 'sample-ora', state: 'awaiting_sg1', step: 'SG1', stop_code: 'AWAITING_SG1', waiting: '2d 3h' });
    expect(byId.get(shortWait.ctx.run_id)).toMatchObject({ document_id: 'readers', waiting: '1h 0m', waiting_ms: H });
    expect(byId.get(running.ctx.run_id)).toMatchObject({ document_id: 'model-archives', state: 'running', step: 'SG1', stop_code: null, waiting: null });
    expect(json.unreadable).toHaveLength(1);
    expect(json.unreadable[0]?.file).toContain('0190aaaa-0000-7000-8000-000000000000.json');
    expect(out.text).toContain('UNREADABLE');
    expect(out.text.split('\n')[0]).toMatch(/^RUN\s+DOCUMENT\s+STATE\s+STEP\s+STOP\s+UPDATED\s+WAITING$/);
  });

  it('--waiting lists only runs at a gate; --older-than 24h only those waiting longer', async () => {
    const waiting = (await status({ config: ws.config, waiting: true, now })).json as { runs: StatusRow[] };
    expect(waiting.runs.map((r) => r.run_id).sort()).toEqual([longWait.ctx.run_id, shortWait.ctx.run_id].sort());
    const old = await status({ config: ws.config, waiting: true, olderThanMs: parseDuration('24h'), now });
    expect((old.json as { runs: StatusRow[] }).runs.map((r) => r.run_id)).toEqual([longWait.ctx.run_id]);
    const none = await status({ config: ws.config, waiting: true, olderThanMs: parseDuration('3d'), now });
    expect((none.json as { runs: StatusRow[] }).runs).toEqual([]);
    expect(none.text).toContain('no run is waiting at a gate for more than 3d 0h');
    await expect(status({ config: ws.config, olderThanMs: -1, now })).rejects.toBeInstanceOf(InputError);
  });

  it('shows one run: phase, keys, pins, uploads, waiting time and what to do next', async () => {
    const out = await status({ config: ws.config, runId: longWait.ctx.run_id, now });
    const json = out.json as Record<string, unknown> & { phase: { step: string; completed: string[] }; keys: Record<string, string>; pins: Record<string, string>; uploads: { count: number } };
    expect(json.phase.step).toBe('SG1');
    expect(json.phase.completed).toEqual(['source_pin', 'mark', 'cutplan', 'backup', 'grant_probe']);
    expect(Object.keys(json.keys)).toEqual(['source_pin', 'mark', 'cutplan', 'backup', 'grant_probe']);
    expect(json.pins['sg1_request_sha256']).toBe(longWait.request?.sha256);
    expect(json.pins['writer_digest']).toBe(longWait.ctx.context_pins.writer_digest);
    expect(json.uploads.count).toBe(1);
    expect(json['waiting']).toBe('2d 3h');
    expect(json['lock']).toEqual({ held: false, holder: null, alive: null });
    expect(String(json['next'])).toContain(`orchestrate approve --run-id ${longWait.ctx.run_id} --gate SG1`);
    expect(out.text).toContain('waiting 2d 3h');
  });

  it('a running run: with a live lock "wait", after the holder died "resume"', async () => {
    const lock = await acquireRunLock(ws.config.sidecarsDir, running.ctx.run_id, now);
    try {
      const live = (await status({ config: ws.config, runId: running.ctx.run_id, now })).json as { lock: { held: boolean; alive: boolean | null }; next: string };
      expect(live.lock).toMatchObject({ held: true, alive: true });
      expect(live.next).toContain('wait');
    } finally {
      await lock.release();
    }
    const dead = { pid: 2 ** 22 + 12_345, host: os.hostname(), started_at: now.toISOString() };
    await writeFile(path.join(ws.config.sidecarsDir, `${running.ctx.run_id}.lock`), JSON.stringify(dead));
    const gone = (await status({ config: ws.config, runId: running.ctx.run_id, now })).json as { lock: { alive: boolean | null }; next: string };
    expect(gone.lock.alive).toBe(false);
    expect(gone.next).toContain(`orchestrate resume --run-id ${running.ctx.run_id}`);
  });

  it('falls back to the persisted keys when the sidecar has no machine snapshot', async () => {
    const ctx = { ...running.ctx, snapshot: null };
    expect(runPhase(ctx)).toEqual({ step: 'SG1', completed: ['source_pin', 'mark', 'cutplan', 'backup', 'grant_probe'], last_completed: 'grant_probe' });
    await writeSidecar(ws.config.sidecarsDir, ctx);
    const row = ((await status({ config: ws.config, now })).json as { runs: StatusRow[] }).runs.find((r) => r.run_id === running.ctx.run_id);
    expect(row?.step).toBe('SG1');
  });

  it('refuses an unknown or malformed run id with exit-2 input errors', async () => {
    const unknown = await status({ config: ws.config, runId: '01890a5d-ac96-774b-bcce-b302099a8057', now }).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(InputError);
    expect((unknown as InputError).next).toContain('orchestrate status');
    await expect(status({ config: ws.config, runId: '../etc/passwd', now })).rejects.toBeInstanceOf(InputError);
  });
});
