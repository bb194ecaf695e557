import { describe, expect, test } from 'vitest';
import { InputError, StopError } from '../../../src/errors.js';
import { DbUnavailable, KbPathTaken, KbSyncFailed, LegBAlreadyRecorded, LockHeld, UploadFailed, VerifyAlreadyRecorded } from '../../../src/stops/facts.js';
import { stopCodeOf } from '../../../src/stops/stopCodeOf.js';

const holder = { pid: 4242, host: 'host-b', started_at: '2026-05-20T10:00:00.000Z' };

const FACTS = [
  [new KbSyncFailed(new Error('fatal: unable to access https://u:tok@git.example/kb.git')), 'STOP_KB_UPLOAD'],
  [new UploadFailed('knowledge/a.md', 4, new Error('push rejected')), 'STOP_KB_UPLOAD'],
  [new KbPathTaken('knowledge/a.md', 'remote', 'a'.repeat(64), 'b'.repeat(64)), 'STOP_DRIFT'],
  [new LockHeld({ file: '/s/r.lock', label: 'run r', runId: 'r', holder, why: 'other-host' }), 'STOP_LOCKED'],
  [new LegBAlreadyRecorded('cs-1', 'env-1', 'run-other'), 'STOP_REPLAY_CONFLICT'],
  [new VerifyAlreadyRecorded('cs-1', 'ver-1', 'run-other'), 'STOP_REPLAY_CONFLICT'],
  [new DbUnavailable('postgres', 'postgres://u:***@db/x', 'ECONNREFUSED'), 'STOP_DB'],
] as const;

describe('stopCodeOf', () => {
  test.each(FACTS)('%s → its code, by instanceof and by its name brand alone', (fact, code) => {
    expect(stopCodeOf(fact)).toBe(code);
    expect(fact.code).toBe(code);
    // A copy that lost its prototype (serialised, or re-created by a test) is recognised by name…
    expect(stopCodeOf({ name: fact.name, message: fact.message })).toBe(code);
    // …and by its code brand.
    expect(stopCodeOf({ code: fact.code })).toBe(code);
  });

  test('StopError → its code; InputError → STOP_INPUT', () => {
    expect(stopCodeOf(new StopError('STOP_GRANT_PROBE', 'x'))).toBe('STOP_GRANT_PROBE');
    expect(stopCodeOf(new StopError('AWAITING_SG2', 'x'))).toBe('AWAITING_SG2');
    expect(stopCodeOf(new InputError('bad'))).toBe('STOP_INPUT');
    expect(stopCodeOf({ name: 'InputError', message: 'bad' })).toBe('STOP_INPUT');
  });

  test('a connection SQLSTATE is STOP_DB; other driver codes and anything else are STOP_INTERNAL', () => {
    expect(stopCodeOf({ code: '08006', message: 'connection failure' })).toBe('STOP_DB');
    expect(stopCodeOf({ code: '57P01', message: 'admin shutdown' })).toBe('STOP_DB');
    expect(stopCodeOf({ code: '23505', message: 'unique' })).toBe('STOP_INTERNAL');
    expect(stopCodeOf(new TypeError('x is undefined'))).toBe('STOP_INTERNAL');
    expect(stopCodeOf({ code: 'NOT_A_CODE' })).toBe('STOP_INTERNAL');
    expect(stopCodeOf({ name: 'toString' })).toBe('STOP_INTERNAL');
    expect(stopCodeOf('a string')).toBe('STOP_INTERNAL');
    expect(stopCodeOf(null)).toBe('STOP_INTERNAL');
    expect(stopCodeOf(undefined)).toBe('STOP_INTERNAL');
  });

  test('never throws, even on an unreadable value', () => {
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    expect(stopCodeOf(revoked.proxy)).toBe('STOP_INTERNAL');
  });
});
