import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { STOP_CODES, StopError } from '../../src/errors.js';
import { KbSyncFailed, LegBAlreadyRecorded } from '../../src/stops/facts.js';
import { parseCutContext } from '../../machines/cutContextSchema.js';
import { STOP_MESSAGE_MAX, stopFromError } from '../../machines/stopFromError.js';
import { CODES_KEPT_BETWEEN_LEGS, stopSummary } from '../../machines/stopSummary.js';
import { STEP_NAMES } from '../../machines/steps.js';
import type { CutStop, MachineStopCode } from '../../machines/types.js';
import { fakeUuid } from './fakeActors.js';

const MACHINE_CODES: readonly MachineStopCode[] = [...STOP_CODES, 'STOP_INTERNAL'];

describe('stopFromError', () => {
  test('keeps the code, message and JSON-safe details of a StopError; the runbook follows from the code and is not stored', () => {
    const err = new StopError('STOP_KB_UPLOAD', 'push rejected after 4 attempts', {
      runId: 'r1',
      written: ['01-source-pin-20261101.md'],
      notWritten: ['02-mark-20261101.md'],
      runbook: 'runbooks/kb-upload.md',
      cause: new Error('inner'),
    });
    expect(stopFromError(err, 'mark', '2026-11-01T00:00:00Z')).toEqual({
      code: 'STOP_KB_UPLOAD',
      message: 'push rejected after 4 attempts',
      step: 'mark',
      at: '2026-11-01T00:00:00Z',
      detail: { runId: 'r1', written: ['01-source-pin-20261101.md'], notWritten: ['02-mark-20261101.md'] },
    });
  });

  test('a typed fact keeps its code and facts (KbSyncFailed → STOP_KB_UPLOAD, LegBAlreadyRecorded → STOP_REPLAY_CONFLICT)', () => {
    const synced = stopFromError(Object.assign(new KbSyncFailed(new Error('fatal: unable to access https://bot:tok3n@git.example/kb.git')), { runId: 'r2', notWritten: ['SG1 decision'] }), 'SG1', '');
    expect(synced).toMatchObject({ code: 'STOP_KB_UPLOAD', step: 'SG1', detail: { runId: 'r2', notWritten: ['SG1 decision'] } });
    expect(synced.message).not.toContain('tok3n');
    expect(stopFromError(new LegBAlreadyRecorded('01900000-0000-7000-8000-000000000001', undefined, undefined), 'leg_b_record', '').code).toBe('STOP_REPLAY_CONFLICT');
  });

  test('a plain object with a StopCode keeps it; an unknown code, a string, null become STOP_INTERNAL', () => {
    expect(stopFromError({ code: 'AWAITING_SG2', message: 'waiting' }, 'SG2', '')).toEqual({ code: 'AWAITING_SG2', message: 'waiting', step: 'SG2', at: '' });
    expect(stopFromError({ code: 'ECONNREFUSED', message: 'connect failed' }, 'backup', '').code).toBe('STOP_INTERNAL');
    expect(stopFromError({ code: '23505', message: 'duplicate key' }, 'cut_leg_a', '').code).toBe('STOP_INTERNAL');
    expect(stopFromError('boom', 'mark', '')).toMatchObject({ code: 'STOP_INTERNAL', message: 'boom', detail: { error_name: 'string' } });
    expect(stopFromError(null, 'mark', '')).toMatchObject({ code: 'STOP_INTERNAL', message: 'null' });
  });

  test('an error whose fields cannot be read still yields STOP_INTERNAL', () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(stopFromError(proxy, 'mark', 'T')).toMatchObject({ code: 'STOP_INTERNAL', step: 'mark', at: 'T' });
  });

  test('masks credentials in URLs and bounds the message length', () => {
    const s = stopFromError(new Error('connect postgres://writer:s3cr3t@db.example:5432/cut failed'), 'backup', '');
    expect(s.message).not.toContain('s3cr3t');
    expect(s.message).toContain('postgres://***@db.example:5432/cut');
    expect(stopFromError(new Error('x'.repeat(5000)), 'mark', '').message).toHaveLength(STOP_MESSAGE_MAX);
  });

  test('property: never throws, always yields a machine code, a string message and plain JSON', () => {
    fc.assert(
      fc.property(fc.anything(), fc.constantFrom(...STEP_NAMES), fc.string(), (err, step, at) => {
        const s = stopFromError(err, step, at);
        expect(MACHINE_CODES).toContain(s.code);
        expect(typeof s.message).toBe('string');
        expect(s.message.length).toBeLessThanOrEqual(STOP_MESSAGE_MAX);
        expect(JSON.parse(JSON.stringify(s))).toEqual(s);
      }),
    );
  });

  test('property: a StopCode on any error object is kept as is', () => {
    fc.assert(
      fc.property(fc.constantFrom(...STOP_CODES), fc.string(), (code, message) => {
        expect(stopFromError(new StopError(code, message), 'cutplan', '').code).toBe(code);
      }),
    );
  });
});

describe('stopSummary rule', () => {
  const stop = (code: MachineStopCode): CutStop => ({ code, message: '', step: 'structural_verify', at: '' });
  const changeSet = fakeUuid('cs');

  test('property: between the legs every code but the kept ones is reported as STOP_BETWEEN_LEG_A_AND_LEG_B', () => {
    fc.assert(
      fc.property(fc.constantFrom(...MACHINE_CODES), fc.boolean(), fc.boolean(), (code, legA, legB) => {
        const pins = { ...(legA ? { change_set_id: changeSet } : {}), ...(legB ? { manifest_envelope_id: fakeUuid('me') } : {}) };
        const reported = stopSummary({ stop: stop(code), pins });
        const between = legA && !legB && !(CODES_KEPT_BETWEEN_LEGS as readonly string[]).includes(code);
        expect(reported).toBe(between ? 'STOP_BETWEEN_LEG_A_AND_LEG_B' : code);
      }),
    );
  });
});

describe('parseCutContext', () => {
  test('returns every issue as data with its path', () => {
    const r = parseCutContext({ snapshot_version: 1, run_id: '', document_id: 'us-const', pins: { region_sha: 3, nope: 'x' }, keys: {}, uploads: {}, stop: null, completed: ['mark'] });
    expect(r.ok).toBe(false);
    const paths = r.ok ? [] : r.issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['run_id', 'pins.region_sha']));
    expect(paths.some((p) => p.startsWith('pins'))).toBe(true);
  });

  test('accepts a minimal fresh context', () => {
    const approvals = { SG1: { verdict: null, accepted: null, refused: [], since: null }, SG2: { verdict: null, accepted: null, refused: [], since: null } };
    expect(parseCutContext({ snapshot_version: 2, run_id: 'r', document_id: 'd', pins: {}, keys: {}, uploads: {}, stop: null, completed: [], approvals }).ok).toBe(true);
    expect(parseCutContext({ snapshot_version: 2, run_id: 'r', document_id: 'd', pins: {}, keys: {}, uploads: {}, stop: null, completed: [] }).ok).toBe(false);
  });
});
