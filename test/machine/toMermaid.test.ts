import { describe, expect, test } from 'vitest';
import { createCutMachine } from '../../machines/cutMachine.js';
import { STEPS } from '../../machines/steps.js';
import { toMermaid } from '../../machines/toMermaid.js';
import { fakeActors } from './fakeActors.js';
import { machineWith } from './runMachine.js';

describe('toMermaid', () => {
  const graph = toMermaid(createCutMachine());
  const lines = graph.split('\n');

  test('is deterministic: same text for the same machine, a new machine and a provided one', () => {
    expect(toMermaid(createCutMachine())).toBe(graph);
    expect(toMermaid(machineWith(fakeActors([])))).toBe(graph);
    expect(lines[0]).toBe('stateDiagram-v2');
    expect(graph.endsWith('\n')).toBe(true);
  });

  test('draws every step as a composite in DESIGN order with its internal gate first', () => {
    const order = STEPS.map((s) => lines.findIndex((l) => l.trim() === `state ${s.name} {`));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    for (const s of STEPS) expect(lines).toContain(`    [*] --> ${s.name}__check`);
  });

  test('draws every stopped state, its error edges and its RESUME edge', () => {
    for (const s of STEPS) {
      expect(lines).toContain(`    ${s.name}__stopped --> ${s.name}__check : RESUME`);
      expect(lines).toContain(`    ${s.name}__check --> ${s.name}__stopped : error(internalGate_${s.name})`);
      expect(lines).toContain(`  class ${s.name}__stopped stopped`);
    }
    expect(lines).toContain('    mark__run --> mark__stopped : error(mark)');
    expect(lines).toContain('    SG1__decide --> SG1__stopped : error(SG1_decide)');
  });

  test('chains the steps: each accepted output goes to the next step, closeout to done', () => {
    expect(lines).toContain('  source_pin__run --> mark : done(source_pin) if outputAccepted');
    expect(lines).toContain('  grant_probe__run --> SG1 : done(grant_probe) if outputAccepted');
    expect(lines).toContain('  SG1__decide --> cut_leg_a : done(SG1_decide) if approved');
    expect(lines).toContain('    SG1__decide --> SG1__awaiting : done(SG1_decide) if waiting');
    expect(lines).toContain('    SG1__decide --> SG1__stopped : done(SG1_decide) if denied');
    expect(lines).toContain('    SG1__awaiting --> SG1__check : RESUME');
    expect(lines).toContain('  closeout__run --> done : done(closeout) if outputAccepted');
    expect(lines).toContain('    SG1__check --> SG1__decide : done(internalGate_SG1) if requestPinned(SG1)');
    expect(lines).toContain('    SG1__check --> SG1__request : done(internalGate_SG1) else');
    expect(lines).toContain('  start --> mark : always if stepPending(mark)');
    expect(lines).toContain('  start --> done : always else');
    expect(lines).toContain('  done --> [*]');
  });

  test('every edge names only declared states', () => {
    const declared = new Set(['[*]']);
    for (const l of lines) {
      const m = /^\s*state (?:"[^"]+" as )?([^\s{]+)/.exec(l);
      if (m?.[1] !== undefined) declared.add(m[1]);
    }
    const edges = lines.filter((l) => l.includes(' --> '));
    expect(edges.length).toBeGreaterThan(100);
    for (const e of edges) {
      const [from, rest] = e.trim().split(' --> ');
      const to = rest?.split(' : ')[0];
      expect(declared.has(from ?? ''), e).toBe(true);
      expect(declared.has(to ?? ''), e).toBe(true);
    }
  });
});
