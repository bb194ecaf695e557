import { describe, expect, test } from 'vitest';
import { createActor, toPromise } from 'xstate';
import { PHASE_NAMES, STEPS, STEP_NAMES } from '../../machines/steps.js';
import { approvalFor, fakeActors, phaseOutputFor, requestOutputFor } from './fakeActors.js';
import { INPUT, machineWith, runToSettle } from './runMachine.js';

/** The exact call order DESIGN §4 implies: internal gate, then the step (gates: request + decide). */
function expectedCalls(): string[] {
  return STEPS.flatMap((s) =>
    s.kind === 'gate' ? [`internalGate:${s.name}`, `${s.name}_request:${s.name}`, `${s.name}_decide:${s.name}`] : [`internalGate:${s.name}`, `${s.name}:${s.name}`],
  );
}

describe('cut machine happy path', () => {
  test('reaches done calling internal gate + step for every step in DESIGN order', async () => {
    const calls: string[] = [];
    const { snapshot } = await runToSettle(machineWith(fakeActors(calls)));
    expect(snapshot.status).toBe('done');
    expect(snapshot.value).toBe('done');
    expect(calls).toEqual(expectedCalls());
    expect(calls).toHaveLength(11 * 2 + 2 * 3);
  });

  test('accumulates every pin, key and upload and lists every step as completed', async () => {
    const { snapshot } = await runToSettle(machineWith(fakeActors([])));
    const ctx = snapshot.context;
    expect(ctx.completed).toEqual([...STEP_NAMES]);
    expect(ctx.stop).toBeNull();
    expect(ctx.run_id).toBe(INPUT.run_id);
    for (const p of PHASE_NAMES) {
      const out = phaseOutputFor(INPUT.run_id, p);
      expect(ctx.keys[p]).toBe(out.keys?.[p]);
      expect(ctx.uploads[p]).toEqual(out.upload);
      expect(ctx.pins).toMatchObject(out.pins ?? {});
    }
    for (const g of ['SG1', 'SG2'] as const) {
      expect(ctx.uploads[g]).toEqual(requestOutputFor(INPUT.run_id, g).upload);
      expect(ctx.pins).toMatchObject({ ...requestOutputFor(INPUT.run_id, g).pins, ...{ [`${g.toLowerCase()}_approval_sha256`]: approvalFor(INPUT.run_id, g).accepted?.sha256 } });
    }
    expect(Object.keys(ctx.pins)).toHaveLength(15);
    expect(Object.keys(ctx.uploads)).toHaveLength(13);
    // The whole context survives a JSON round trip unchanged: it is persisted as is.
    expect(JSON.parse(JSON.stringify(ctx))).toEqual(ctx);
  });

  test('the machine outputs its final context, so toPromise(actor) yields every pin and key', async () => {
    const actor = createActor(machineWith(fakeActors([])), { input: INPUT });
    const output = await toPromise(actor.start());
    expect(output.completed).toEqual([...STEP_NAMES]);
    expect(output.keys.closeout).toBe(phaseOutputFor(INPUT.run_id, 'closeout').keys?.closeout);
  });

  test('every actor receives { step, context } with the pins of the steps before it', async () => {
    const seen: Record<string, string[]> = {};
    const record = (src: string) => async (input: { step: string; context: { completed: string[] } }) => {
      seen[`${src}:${input.step}`] = [...input.context.completed];
      return src === 'mark' ? phaseOutputFor(INPUT.run_id, 'mark') : undefined;
    };
    await runToSettle(machineWith(fakeActors([], { internalGate: record('internalGate'), mark: record('mark') })));
    expect(seen['internalGate:source_pin']).toEqual([]);
    expect(seen['internalGate:mark']).toEqual(['source_pin']);
    expect(seen['mark:mark']).toEqual(['source_pin']);
    expect(seen['internalGate:closeout']).toEqual(STEP_NAMES.slice(0, -1));
  });

  test('a machine with no actors provided stops loudly as STOP_INTERNAL at the first step', async () => {
    const { createCutMachine } = await import('../../machines/cutMachine.js');
    const { snapshot } = await runToSettle(createCutMachine());
    expect(snapshot.value).toEqual({ source_pin: 'stopped' });
    expect(snapshot.context.stop).toMatchObject({ code: 'STOP_INTERNAL', step: 'source_pin' });
    expect(snapshot.context.stop?.message).toMatch(/actor "internalGate" not provided/);
  });
});
