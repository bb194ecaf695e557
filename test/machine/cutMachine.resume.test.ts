import { describe, expect, test } from 'vitest';
import { createActor, waitFor } from 'xstate';
import { restoreCutActor } from '../../machines/cutSnapshot.js';
import type { CutMachine } from '../../machines/cutMachine.js';
import { STEP_NAMES } from '../../machines/steps.js';
import type { PhaseActorInput } from '../../machines/types.js';
import { approvalFor, fakeActors, pendingFor, phaseOutputFor, rejectWith } from './fakeActors.js';
import { INPUT, machineWith, runToSettle, settle } from './runMachine.js';

/** Persists as the runner does: getPersistedSnapshot, then a JSON round trip through the sidecar. */
function persist(actor: { getPersistedSnapshot(): unknown }): unknown {
  return JSON.parse(JSON.stringify(actor.getPersistedSnapshot()));
}

function restore(machine: CutMachine, persisted: unknown) {
  const r = restoreCutActor(machine, persisted, { input: INPUT });
  if (!r.ok) throw new Error(`restore refused: ${r.reason} ${r.message}`);
  return r.actor;
}

const count = (calls: string[], call: string) => calls.filter((c) => c === call).length;

describe('gate pause, persist, restore, RESUME', () => {
  test('a pending verdict waits at SG1 (a state, not a stop); a restored actor with an approval resumes to done without re-requesting', async () => {
    const first: string[] = [];
    const { actor, snapshot } = await runToSettle(machineWith(fakeActors(first, { SG1_decide: async () => pendingFor() })));
    expect(snapshot.hasTag('awaiting')).toBe(true);
    expect(snapshot.hasTag('stopped')).toBe(false);
    expect(snapshot.value).toEqual({ SG1: 'awaiting' });
    expect(snapshot.context.stop).toBeNull();
    expect(snapshot.context.approvals.SG1).toEqual({ verdict: 'pending', accepted: null, refused: [], since: pendingFor().since });
    expect(count(first, 'SG1_request:SG1')).toBe(1);
    const persisted = persist(actor);
    actor.stop();

    const second: string[] = [];
    const resumed = restore(machineWith(fakeActors(second)), persisted);
    resumed.start();
    expect(resumed.getSnapshot().hasTag('awaiting')).toBe(true);
    resumed.send({ type: 'RESUME', at: '2026-11-02T10:00:00Z' });
    const end = await settle(resumed);
    expect(end.status).toBe('done');
    expect(end.context.stop).toBeNull();
    expect(end.context.completed).toEqual([...STEP_NAMES]);
    expect(end.context.pins.sg1_approval_sha256).toBe(approvalFor(INPUT.run_id, 'SG1').accepted?.sha256);
    expect(end.context.approvals.SG1).toMatchObject({ verdict: 'approved', since: pendingFor().since });
    expect(count(second, 'SG1_request:SG1')).toBe(0);
    // Resume re-checks drift at the gate, then decides; no step before SG1 runs again.
    expect(second.slice(0, 2)).toEqual(['internalGate:SG1', 'SG1_decide:SG1']);
    for (const s of STEP_NAMES.slice(0, 5)) expect(count(second, `${s}:${s}`)).toBe(0);
  });

  test('a pending verdict waits at SG2 and resumes the same way', async () => {
    const calls: string[] = [];
    let approved = false;
    const machine = machineWith(
      fakeActors(calls, { SG2_decide: async (i) => (approved ? approvalFor(i.context.run_id, 'SG2') : pendingFor()) }),
    );
    const { actor, snapshot } = await runToSettle(machine);
    expect(snapshot.value).toEqual({ SG2: 'awaiting' });
    expect(snapshot.context.approvals.SG2.verdict).toBe('pending');
    approved = true;
    actor.send({ type: 'RESUME' });
    expect((await settle(actor)).status).toBe('done');
    expect(count(calls, 'SG2_request:SG2')).toBe(1);
    expect(count(calls, 'SG2_decide:SG2')).toBe(2);
  });

  test('RESUME while a phase is running is ignored', async () => {
    const calls: string[] = [];
    const actor = createActor(machineWith(fakeActors(calls, { mark: () => new Promise(() => undefined) })), { input: INPUT });
    actor.start();
    await waitFor(actor, (s) => s.matches({ mark: 'run' }));
    actor.send({ type: 'RESUME' });
    expect(actor.getSnapshot().value).toEqual({ mark: 'run' });
    expect(count(calls, 'mark:mark')).toBe(1);
    actor.stop();
  });
});

describe('in-flight restart', () => {
  test('a phase pending when the snapshot was taken runs again after restore; completed steps do not', async () => {
    const first: string[] = [];
    let release: () => void = () => undefined;
    const pending = new Promise<void>((resolve) => (release = resolve));
    const actor = createActor(machineWith(fakeActors(first, { cutplan: () => pending.then(() => phaseOutputFor(INPUT.run_id, 'cutplan')) })), {
      input: INPUT,
    });
    actor.start();
    await waitFor(actor, (s) => s.matches({ cutplan: 'run' }));
    const persisted = persist(actor);
    actor.stop();
    expect(first).toEqual(['internalGate:source_pin', 'source_pin:source_pin', 'internalGate:mark', 'mark:mark', 'internalGate:cutplan', 'cutplan:cutplan']);
    expect((persisted as { value: unknown }).value).toEqual({ cutplan: 'run' });
    expect(Object.keys((persisted as { children: object }).children)).toEqual(['cutplan']);

    const second: string[] = [];
    const seenInputs: PhaseActorInput[] = [];
    const restored = restore(
      machineWith(fakeActors(second, { cutplan: async (i) => (seenInputs.push(i), phaseOutputFor(i.context.run_id, 'cutplan')) })),
      persisted,
    );
    restored.start();
    const end = await settle(restored);
    release();
    expect(end.status).toBe('done');
    expect(second[0]).toBe('cutplan:cutplan');
    expect(count(second, 'cutplan:cutplan')).toBe(1);
    expect(count(second, 'source_pin:source_pin')).toBe(0);
    expect(count(second, 'mark:mark')).toBe(0);
    // The restarted actor gets its saved input: the context as it was when it was invoked.
    expect(seenInputs[0]?.context.completed).toEqual(['source_pin', 'mark']);
  });
});

describe('restart from a sidecar context (input.context)', () => {
  test('enters the first step not completed, at its internal gate, with the stop cleared', async () => {
    const { snapshot } = await runToSettle(machineWith(fakeActors([], { leg_b_record: () => rejectWith('STOP_DB', 'connection lost') })));
    const context = snapshot.context;
    expect(context.completed.at(-1)).toBe('structural_verify');
    const calls: string[] = [];
    const { snapshot: end } = await runToSettle(machineWith(fakeActors(calls)), { ...INPUT, context });
    expect(end.status).toBe('done');
    expect(calls[0]).toBe('internalGate:leg_b_record');
    expect(calls).not.toContain('cut_leg_a:cut_leg_a');
  });

  test('a gate whose request is pinned goes from check straight to decide', async () => {
    const { snapshot } = await runToSettle(machineWith(fakeActors([], { SG1_decide: async () => pendingFor() })));
    const calls: string[] = [];
    const { snapshot: end } = await runToSettle(machineWith(fakeActors(calls)), { ...INPUT, context: snapshot.context });
    expect(end.status).toBe('done');
    expect(calls.slice(0, 2)).toEqual(['internalGate:SG1', 'SG1_decide:SG1']);
    expect(calls).not.toContain('SG1_request:SG1');
  });

  test('a fully completed context goes straight to done', async () => {
    const { snapshot } = await runToSettle(machineWith(fakeActors([])));
    const calls: string[] = [];
    const { snapshot: end } = await runToSettle(machineWith(fakeActors(calls)), { ...INPUT, context: snapshot.context });
    expect(end.status).toBe('done');
    expect(calls).toEqual([]);
  });
});
