import { describe, expect, test } from 'vitest';
import type { AnyStateNode } from 'xstate';
import { CUT_MACHINE_ID, createCutMachine } from '../../machines/cutMachine.js';
import { PHASE_ACTOR_NAMES } from '../../machines/phases.js';
import { GATE_NAMES, PHASE_NAMES, STEPS, STEP_NAMES, stepAfter } from '../../machines/steps.js';

function allNodes(node: AnyStateNode): AnyStateNode[] {
  return [node, ...Object.values(node.states as Record<string, AnyStateNode>).flatMap(allNodes)];
}

describe('cut machine shape', () => {
  const machine = createCutMachine();
  const nodes = allNodes(machine.root);

  test('STEPS: 11 phases numbered 01..11 and the gates SG1, SG2 in DESIGN §4 order', () => {
    expect(STEPS.filter((s) => s.kind === 'phase').map((s) => s.label)).toEqual(['01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11']);
    expect(GATE_NAMES).toEqual(['SG1', 'SG2']);
    expect(STEP_NAMES.indexOf('SG1')).toBe(STEP_NAMES.indexOf('grant_probe') + 1);
    expect(stepAfter('SG1')).toBe('cut_leg_a');
    expect(stepAfter('write_verify')).toBe('SG2');
    expect(stepAfter('closeout')).toBeNull();
    expect(PHASE_NAMES).toHaveLength(11);
  });

  test('one compound state per step plus start and done, in order', () => {
    expect(machine.id).toBe(CUT_MACHINE_ID);
    expect(Object.keys(machine.root.states)).toEqual(['start', ...STEP_NAMES, 'done']);
    for (const s of STEPS) {
      const node = machine.root.states[s.name] as AnyStateNode;
      expect(node.type).toBe('compound');
      expect(Object.keys(node.states)).toEqual(s.kind === 'gate' ? ['check', 'request', 'decide', 'awaiting', 'stopped'] : ['check', 'run', 'stopped']);
      expect((node.states['stopped'] as AnyStateNode).tags).toEqual(['stopped']);
      if (s.kind === 'gate') expect((node.states['awaiting'] as AnyStateNode).tags).toEqual(['awaiting']);
    }
  });

  test('every invoke has an explicit, unique id; the srcs are exactly PHASE_ACTOR_NAMES', () => {
    const invokes = nodes.flatMap((n) => n.invoke);
    const ids = invokes.map((i) => i.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).not.toMatch(/^\d|:invocation\[/);
    expect(ids).toContain('mark');
    expect(ids).toContain('internalGate_mark');
    expect(new Set(invokes.map((i) => i.src))).toEqual(new Set(PHASE_ACTOR_NAMES));
    expect(Object.keys(machine.implementations.actors).sort()).toEqual([...PHASE_ACTOR_NAMES].sort());
  });

  test('no delayed (after:) transitions anywhere: they are not persisted', () => {
    for (const n of nodes) expect(n.after).toEqual([]);
  });
});
