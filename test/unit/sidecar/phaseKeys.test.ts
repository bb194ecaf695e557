import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import * as k from '../../../src/sidecar/phaseKeys.js';
import { PHASES } from '../../../src/sidecar/phases.js';
import { verifyKeyChain } from '../../../src/sidecar/verifyKeyChain.js';
import { runView } from '../../../machines/runView.js';
import { completeRunContext as completeSidecar, freshRunContext as freshSidecar } from './sampleRunContext.js';

const completeRunContext = () => runView(completeSidecar());
const freshRunContext = () => runView(freshSidecar());

const sha = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

describe('phase keys (reference §4)', () => {
  test('‖ is plain concatenation with no separator, sha256 lowercase hex', () => {
    const doc = 'us-const';
    const version = 'a'.repeat(64);
    expect(k.sourcePinKey(doc, version)).toBe(sha(`us-const${'a'.repeat(64)}`));
    expect(k.sourcePinKey(doc, version)).toMatch(/^[0-9a-f]{64}$/);
    // moving the boundary between the parts changes nothing: no separator is hashed
    expect(k.sha256Concat('ab', 'c')).toBe(k.sha256Concat('a', 'bc'));
    expect(k.markKey('x', 'y')).toBe(sha('xy'));
    expect(k.backupKey('p', 'q')).toBe(sha('pq'));
    expect(k.grantProbeKey('p', 'q')).toBe(sha('pq'));
    expect(k.structuralVerifyKey('id', 'q')).toBe(sha('idq'));
  });

  test('row-id phases and cutplan carry their input unchanged', () => {
    expect(k.cutplanKey('d'.repeat(64))).toBe('d'.repeat(64));
    for (const f of [k.cutLegAKey, k.legBRecordKey, k.writeVerifyKey, k.lifecycleEnactKey]) expect(f('0190a5d2-7b3c-7def-8abc-0123456789ab')).toBe('0190a5d2-7b3c-7def-8abc-0123456789ab');
  });

  test('closeout hashes the ten prior keys in order then the final report sha', () => {
    const prior = Array.from({ length: 10 }, (_, i) => `k${i}`);
    expect(k.closeoutKey(prior, 'f')).toBe(sha('k0k1k2k3k4k5k6k7k8k9f'));
    expect(k.closeoutKey([...prior].reverse(), 'f')).not.toBe(k.closeoutKey(prior, 'f'));
    expect(() => k.closeoutKey(prior.slice(1), 'f')).toThrow(RangeError);
  });
});

describe('verifyKeyChain', () => {
  test('a complete, correctly derived chain has no mismatch', () => {
    expect(verifyKeyChain(completeRunContext())).toEqual([]);
  });

  test('a fresh run and a partial chain (prefix of phases) are fine', () => {
    expect(verifyKeyChain(freshRunContext())).toEqual([]);
    const full = completeRunContext();
    const keys = { source_pin: full.keys.source_pin, mark: full.keys.mark, cutplan: full.keys.cutplan };
    expect(verifyKeyChain({ ...full, keys })).toEqual([]);
  });

  test('a tampered key is reported at its phase and at closeout, with expected and found', () => {
    const ctx = completeRunContext();
    const original = ctx.keys.mark;
    const tampered = { ...ctx, keys: { ...ctx.keys, mark: 'f'.repeat(64) } };
    const mismatches = verifyKeyChain(tampered);
    expect(mismatches.map((m) => m.phase)).toEqual(['mark', 'closeout']);
    expect(mismatches[0]).toMatchObject({ phase: 'mark', expected: original, found: 'f'.repeat(64) });
  });

  test('a tampered pin breaks the key that consumes it', () => {
    const ctx = completeRunContext();
    const mismatches = verifyKeyChain({ ...ctx, pins: { ...ctx.pins, backup_sha: '0'.repeat(64) } });
    expect(mismatches.map((m) => m.phase)).toEqual(['backup']);
  });

  test('a row-id key that differs from its pinned id is a mismatch', () => {
    const ctx = completeRunContext();
    const other = '0190a5d2-7b3c-7def-8abc-0123456789ab';
    const mismatches = verifyKeyChain({ ...ctx, keys: { ...ctx.keys, leg_b_record: other } });
    expect(mismatches.map((m) => m.phase)).toEqual(['leg_b_record', 'closeout']);
  });

  test('a gap (missing key before a present one) and a missing input are reported', () => {
    const ctx = completeRunContext();
    const { cutplan: _c, ...withGap } = ctx.keys;
    const gap = verifyKeyChain({ ...ctx, keys: withGap });
    expect(gap.find((m) => m.phase === 'cutplan')?.reason).toMatch(/later phase/);
    expect(gap.find((m) => m.phase === 'backup')?.reason).toMatch(/missing keys\.cutplan/);
    const noPin = verifyKeyChain({ ...ctx, pins: { ...ctx.pins, region_sha: undefined } });
    expect(noPin[0]).toMatchObject({ phase: 'mark', expected: null, reason: expect.stringMatching(/pins\.region_sha/) });
  });

  test('every phase is covered by the chain (each key, tampered, is caught)', () => {
    const ctx = completeRunContext();
    for (const phase of PHASES) {
      const value = ctx.keys[phase] as string;
      const flipped = (value.startsWith('0') ? '1' : '0') + value.slice(1);
      const m = verifyKeyChain({ ...ctx, keys: { ...ctx.keys, [phase]: flipped } });
      expect(m.map((x) => x.phase)).toContain(phase);
    }
  });
});
