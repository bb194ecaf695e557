import { describe, expect, test } from 'vitest';
import { createActor } from 'xstate';
import type { Snapshot } from 'xstate';
import { isCompatibleSnapshot, restoreCutActor } from '../../machines/cutSnapshot.js';
import { SNAPSHOT_VERSION, createCutMachine } from '../../machines/cutMachine.js';
import { fakeActors, rejectWith } from './fakeActors.js';
import { INPUT, machineWith, runToSettle } from './runMachine.js';

type Json = Record<string, unknown> & { context: Record<string, unknown>; children: Record<string, Record<string, unknown>> };

async function pausedAtSg1(): Promise<Json> {
  const { actor } = await runToSettle(machineWith(fakeActors([], { SG1_decide: () => rejectWith('AWAITING_SG1') })));
  return JSON.parse(JSON.stringify(actor.getPersistedSnapshot())) as Json;
}

describe('persisted snapshot compatibility', () => {
  const machine = machineWith(fakeActors([]));

  test('accepts a current snapshot and a done one', async () => {
    expect(SNAPSHOT_VERSION).toBe(2);
    const paused = await pausedAtSg1();
    expect(isCompatibleSnapshot(machine, paused)).toMatchObject({ ok: true });
    expect(isCompatibleSnapshot(machine, paused).ok).toBe(true);
    const { actor } = await runToSettle(machine);
    expect(isCompatibleSnapshot(machine, JSON.parse(JSON.stringify(actor.getPersistedSnapshot()))).ok).toBe(true);
  });

  test('refuses another version, or none', async () => {
    const snap = await pausedAtSg1();
    snap.context['snapshot_version'] = 1;
    expect(isCompatibleSnapshot(machine, snap)).toMatchObject({ ok: false, reason: 'version' });
    delete snap.context['snapshot_version'];
    expect(isCompatibleSnapshot(machine, snap)).toMatchObject({ ok: false, reason: 'version' });
  });

  test('refuses a state that no longer exists, at the top or inside a step', async () => {
    const top = await pausedAtSg1();
    top['value'] = { SG3: 'stopped' };
    const r = isCompatibleSnapshot(machine, top);
    expect(r).toMatchObject({ ok: false, reason: 'unknown_state' });
    expect(r.ok ? '' : r.message).toContain('SG3');
    const inner = await pausedAtSg1();
    inner['value'] = { SG1: 'waiting' };
    expect(isCompatibleSnapshot(machine, inner)).toMatchObject({ ok: false, reason: 'unknown_state' });
    const compound = await pausedAtSg1();
    compound['value'] = 'SG1';
    expect(isCompatibleSnapshot(machine, compound)).toMatchObject({ ok: false, reason: 'unknown_state' });
  });

  test('refuses a pending invoke whose child is missing or names an unknown src', async () => {
    const actor = restoreCutActor(machine, await pausedAtSg1(), { input: INPUT });
    expect(actor.ok).toBe(true);
    const missing = await pausedAtSg1();
    missing['value'] = { SG1: 'decide' };
    expect(isCompatibleSnapshot(machine, missing)).toMatchObject({ ok: false, reason: 'unknown_actor' });
    const unknown = await pausedAtSg1();
    unknown['value'] = { SG1: 'decide' };
    unknown.children = { SG1_decide: { src: 'SG1_decide_v0', snapshot: { status: 'active' } } };
    expect(isCompatibleSnapshot(machine, unknown)).toMatchObject({ ok: false, reason: 'unknown_actor' });
  });

  test('refuses an errored snapshot, a broken context and non-objects, without throwing', async () => {
    const errored = await pausedAtSg1();
    errored['status'] = 'error';
    expect(isCompatibleSnapshot(machine, errored)).toMatchObject({ ok: false, reason: 'status' });
    const broken = await pausedAtSg1();
    broken.context['completed'] = ['mark'];
    const r = isCompatibleSnapshot(machine, broken);
    expect(r).toMatchObject({ ok: false, reason: 'bad_context' });
    expect(r.ok ? '' : r.message).toContain('completed');
    for (const junk of [null, 42, 'snapshot', [], {}]) expect(isCompatibleSnapshot(machine, junk).ok).toBe(false);
  });

  test('why: xstate itself puts an actor restored at a missing state in error status', async () => {
    const snap = await pausedAtSg1();
    snap['value'] = { SG3: 'stopped' };
    const errors: unknown[] = [];
    const actor = createActor(createCutMachine(), { snapshot: snap as unknown as Snapshot<unknown>, input: INPUT });
    actor.subscribe({ error: (e) => errors.push(e) });
    actor.start();
    expect(actor.getSnapshot().status).toBe('error');
    expect(String(errors[0])).toContain("Child state 'SG3' does not exist");
  });

  test('restoreCutActor refuses instead of creating an actor that would error', async () => {
    const snap = await pausedAtSg1();
    snap['value'] = { gone: 'check' };
    const r = restoreCutActor(createCutMachine(), snap, { input: INPUT });
    expect(r.ok).toBe(false);
    expect(r.ok ? null : r.reason).toBe('unknown_state');
  });
});
