import { describe, expect, test } from 'vitest';
import { StopError } from '../../src/errors.js';
import { stopSummary } from '../../machines/stopSummary.js';
import { approvalFor, fakeActors, invalidFor, phaseOutputFor, rejectWith, requestOutputFor, sha } from './fakeActors.js';
import { INPUT, machineWith, runToSettle, settle } from './runMachine.js';

describe('stops', () => {
  test('drift before mark: stopped at mark, mark never called; RESUME after the fix continues', async () => {
    const calls: string[] = [];
    let drifted = true;
    const machine = machineWith(
      fakeActors(calls, {
        internalGate: async (i) => {
          if (i.step === 'mark' && drifted) throw new StopError('STOP_DRIFT', 'source bytes changed since source_pin', { runId: 'r', notWritten: ['mark'] });
        },
      }),
    );
    const { actor, snapshot } = await runToSettle(machine);
    expect(snapshot.value).toEqual({ mark: 'stopped' });
    expect(snapshot.hasTag('stopped')).toBe(true);
    expect(snapshot.context.stop).toEqual({
      code: 'STOP_DRIFT',
      message: 'source bytes changed since source_pin',
      step: 'mark',
      at: '',
      detail: { runId: 'r', notWritten: ['mark'] },
    });
    expect(calls).toEqual(['internalGate:source_pin', 'source_pin:source_pin', 'internalGate:mark']);
    expect(snapshot.context.completed).toEqual(['source_pin']);
    expect(stopSummary(snapshot.context)).toBe('STOP_DRIFT');
    drifted = false;
    actor.send({ type: 'RESUME' });
    const end = await settle(actor);
    expect(end.status).toBe('done');
    expect(calls.filter((c) => c === 'source_pin:source_pin')).toHaveLength(1);
  });

  test('a denied verdict (data, not a thrown error) stops with STOP_SG_DENIED; leg A never runs', async () => {
    const calls: string[] = [];
    const denied = approvalFor(INPUT.run_id, 'SG1', 'deny');
    const { snapshot } = await runToSettle(machineWith(fakeActors(calls, { SG1_decide: async () => ({ ...denied, accepted: { ...denied.accepted!, reason: 'wrong version' } }) })));
    expect(snapshot.value).toEqual({ SG1: 'stopped' });
    expect(snapshot.context.stop).toMatchObject({ code: 'STOP_SG_DENIED', step: 'SG1', at: denied.at });
    expect(snapshot.context.stop?.message).toContain('wrong version');
    expect(snapshot.context.stop?.message).toContain(denied.accepted!.signer_fingerprint.toUpperCase());
    expect(snapshot.context.approvals.SG1.verdict).toBe('denied');
    expect(calls).not.toContain('cut_leg_a:cut_leg_a');
  });

  test('a denied verdict at SG2 stops there; SG2 is not completed', async () => {
    const { snapshot } = await runToSettle(machineWith(fakeActors([], { SG2_decide: async (i) => approvalFor(i.context.run_id, 'SG2', 'deny') })));
    expect(snapshot.value).toEqual({ SG2: 'stopped' });
    expect(snapshot.context.stop).toMatchObject({ code: 'STOP_SG_DENIED', step: 'SG2' });
    expect(snapshot.context.completed).not.toContain('SG2');
  });

  test('only invalid approvals → the gate waits (awaiting) with the refused files recorded, no stop', async () => {
    const { snapshot } = await runToSettle(machineWith(fakeActors([], { SG1_decide: async (i) => invalidFor(i.context.run_id, 'SG1') })));
    expect(snapshot.value).toEqual({ SG1: 'awaiting' });
    expect(snapshot.context.stop).toBeNull();
    expect(snapshot.context.approvals.SG1.verdict).toBe('invalid');
    expect(snapshot.context.approvals.SG1.refused).toHaveLength(1);
    expect(snapshot.context.approvals.SG1.refused[0]?.reason).toBe('unsigned');
  });

  test('a verdict that contradicts its approval (approved with a deny) is a bug: STOP_INTERNAL', async () => {
    const denied = approvalFor(INPUT.run_id, 'SG1', 'deny');
    const { snapshot } = await runToSettle(machineWith(fakeActors([], { SG1_decide: async () => ({ ...denied, verdict: 'approved' }) })));
    expect(snapshot.value).toEqual({ SG1: 'stopped' });
    expect(snapshot.context.stop?.code).toBe('STOP_INTERNAL');
    expect(snapshot.context.pins.sg1_approval_sha256).toBeUndefined();
  });

  test('an unexpected error becomes STOP_INTERNAL with its name kept', async () => {
    const { snapshot } = await runToSettle(machineWith(fakeActors([], { backup: async () => { throw new TypeError('cannot read properties of undefined'); } })));
    expect(snapshot.value).toEqual({ backup: 'stopped' });
    expect(snapshot.context.stop).toEqual({
      code: 'STOP_INTERNAL',
      message: 'cannot read properties of undefined',
      step: 'backup',
      at: '',
      detail: { error_name: 'TypeError' },
    });
  });

  test('the stop takes `at` from the error when it carries one', async () => {
    const err = Object.assign(new Error('lock held by pid 4242'), { code: 'STOP_LOCKED', at: '2026-11-01T12:00:00.000Z' });
    const { snapshot } = await runToSettle(machineWith(fakeActors([], { source_pin: () => Promise.reject(err) })));
    expect(snapshot.context.stop).toMatchObject({ code: 'STOP_LOCKED', step: 'source_pin', at: '2026-11-01T12:00:00.000Z' });
  });
});

describe('outputs the machine refuses to record', () => {
  test('a phase without its report upload → STOP_INTERNAL, nothing recorded', async () => {
    const { snapshot } = await runToSettle(machineWith(fakeActors([], { mark: async (i) => ({ ...phaseOutputFor(i.context.run_id, 'mark'), upload: undefined }) })));
    expect(snapshot.value).toEqual({ mark: 'stopped' });
    expect(snapshot.context.stop?.code).toBe('STOP_INTERNAL');
    expect(snapshot.context.stop?.message).toMatch(/no upload/);
    expect(snapshot.context.pins.region_sha).toBeUndefined();
    expect(snapshot.context.completed).toEqual(['source_pin']);
  });

  test('a phase without its key, or with another phase\'s key → STOP_INTERNAL', async () => {
    const noKey = await runToSettle(machineWith(fakeActors([], { cutplan: async (i) => ({ ...phaseOutputFor(i.context.run_id, 'cutplan'), keys: {} }) })));
    expect(noKey.snapshot.context.stop?.message).toMatch(/no keys\.cutplan/);
    const foreign = await runToSettle(
      machineWith(fakeActors([], { cutplan: async (i) => ({ ...phaseOutputFor(i.context.run_id, 'cutplan'), keys: { cutplan: sha('k'), mark: sha('m') } }) })),
    );
    expect(foreign.snapshot.context.stop?.message).toMatch(/keys of other phases: mark/);
  });

  test('a malformed output (bad sha256, unknown field) → STOP_INTERNAL naming the field', async () => {
    const bad = await runToSettle(
      machineWith(fakeActors([], { backup: async (i) => ({ ...phaseOutputFor(i.context.run_id, 'backup'), pins: { backup_sha: 'x' }, extra: 1 }) })),
    );
    expect(bad.snapshot.context.stop?.code).toBe('STOP_INTERNAL');
    expect(bad.snapshot.context.stop?.message).toMatch(/extra/);
  });

  test('a re-derived pin with another value → STOP_DRIFT (DESIGN §5)', async () => {
    const { snapshot } = await runToSettle(
      machineWith(fakeActors([], { mark: async (i) => ({ ...phaseOutputFor(i.context.run_id, 'mark'), pins: { region_sha: sha('r'), manifest_digest: sha('other') } }) })),
    );
    expect(snapshot.context.stop).toMatchObject({ code: 'STOP_DRIFT', step: 'mark' });
    expect(snapshot.context.stop?.message).toMatch(/manifest_digest/);
  });

  test('a request pin that is not the uploaded request\'s sha256 → STOP_INTERNAL', async () => {
    const { snapshot } = await runToSettle(
      machineWith(fakeActors([], { SG1_request: async (i) => ({ ...requestOutputFor(i.context.run_id, 'SG1'), pins: { sg1_request_sha256: sha('other') } }) })),
    );
    expect(snapshot.value).toEqual({ SG1: 'stopped' });
    expect(snapshot.context.stop?.message).toMatch(/differs from the uploaded request/);
    expect(snapshot.context.pins.sg1_request_sha256).toBeUndefined();
  });

  test('an approval without its approval pin → STOP_INTERNAL', async () => {
    const { snapshot } = await runToSettle(machineWith(fakeActors([], { SG1_decide: async () => ({ decision: 'approve' }) })));
    expect(snapshot.context.stop).toMatchObject({ code: 'STOP_INTERNAL', step: 'SG1' });
  });
});

describe('stopSummary between leg A and leg B', () => {
  async function stopAt(step: 'cut_leg_a' | 'structural_verify' | 'leg_b_record' | 'write_verify', code: string) {
    const { snapshot } = await runToSettle(machineWith(fakeActors([], { [step]: () => rejectWith(code) })));
    expect(snapshot.value).toEqual({ [step]: 'stopped' });
    expect(snapshot.context.stop?.code).toBe(code === 'BOOM' ? 'STOP_INTERNAL' : code);
    return snapshot.context;
  }

  test('a DB failure in structural_verify is reported as STOP_BETWEEN_LEG_A_AND_LEG_B, change_set_id pinned', async () => {
    const ctx = await stopAt('structural_verify', 'STOP_DB');
    expect(ctx.pins.change_set_id).toBeDefined();
    expect(ctx.pins.manifest_envelope_id).toBeUndefined();
    expect(stopSummary(ctx)).toBe('STOP_BETWEEN_LEG_A_AND_LEG_B');
  });

  test('a failure in leg_b_record (DB or a bug) is reported as between the legs', async () => {
    expect(stopSummary(await stopAt('leg_b_record', 'STOP_DB'))).toBe('STOP_BETWEEN_LEG_A_AND_LEG_B');
    expect(stopSummary(await stopAt('leg_b_record', 'BOOM'))).toBe('STOP_BETWEEN_LEG_A_AND_LEG_B');
  });

  test('more specific codes keep theirs between the legs', async () => {
    expect(stopSummary(await stopAt('structural_verify', 'STOP_STRUCTURAL_VERIFY'))).toBe('STOP_STRUCTURAL_VERIFY');
    expect(stopSummary(await stopAt('leg_b_record', 'STOP_KB_UPLOAD'))).toBe('STOP_KB_UPLOAD');
    expect(stopSummary(await stopAt('leg_b_record', 'STOP_LOCKED'))).toBe('STOP_LOCKED');
  });

  test('before leg A and after leg B the code is reported as is', async () => {
    const before = await stopAt('cut_leg_a', 'STOP_DB');
    expect(before.pins.change_set_id).toBeUndefined();
    expect(stopSummary(before)).toBe('STOP_DB');
    expect(stopSummary(await stopAt('write_verify', 'STOP_WRITE_VERIFY'))).toBe('STOP_WRITE_VERIFY');
  });

  test('a run that is not stopped has no summary', async () => {
    const { snapshot } = await runToSettle(machineWith(fakeActors([])));
    expect(stopSummary(snapshot.context)).toBeNull();
    expect(INPUT.run_id).toBe(snapshot.context.run_id);
  });
});
