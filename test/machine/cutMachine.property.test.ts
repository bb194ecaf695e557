import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { createActor, toPromise } from 'xstate';
import { STOP_CODES } from '../../src/errors.js';
import { restoreCutActor } from '../../machines/cutSnapshot.js';
import type { CutActors } from '../../machines/phases.js';
import { PHASE_ACTOR_NAMES } from '../../machines/phases.js';
import { STEP_NAMES } from '../../machines/steps.js';
import type { CutContext } from '../../machines/types.js';
import { fakeActors, rejectWith } from './fakeActors.js';
import type { Behaviour } from './fakeActors.js';
import { INPUT, machineWith, runToSettle, settle } from './runMachine.js';

/** One injected failure: the `nth` call of `src` rejects with `code` (or a TypeError when 'BUG'). */
interface Fault {
  src: string;
  nth: number;
  code: string;
}

const faultArb = fc.record({
  src: fc.constantFrom(...PHASE_ACTOR_NAMES),
  nth: fc.integer({ min: 1, max: 3 }),
  code: fc.constantFrom(...STOP_CODES, 'BUG'),
});

/** Fakes that fail as the faults say, counting calls across actors (shared `counts`). */
function faultyActors(calls: string[], counts: Map<string, number>, faults: Fault[]): CutActors {
  const behaviours: Partial<Record<keyof CutActors, Behaviour>> = {};
  const base = fakeActors([]);
  for (const src of PHASE_ACTOR_NAMES) {
    const key = src as keyof CutActors;
    behaviours[key] = async (input) => {
      const n = (counts.get(src) ?? 0) + 1;
      counts.set(src, n);
      const fault = faults.find((f) => f.src === src && f.nth === n);
      if (fault !== undefined) return fault.code === 'BUG' ? Promise.reject(new TypeError('bug')) : rejectWith(fault.code);
      // Delegate to the well-behaved fake for the real output.
      return toPromise(createActor(base[key] as CutActors['mark'], { input }).start());
    };
  }
  return fakeActors(calls, behaviours);
}

describe('property: any sequence of stops, each followed by persist → restore → RESUME, ends like the happy path', () => {
  test('same final context, completed always a prefix, no completed phase re-run', async () => {
    const happy = (await runToSettle(machineWith(fakeActors([])))).snapshot.context;
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(faultArb, { maxLength: 6, selector: (f) => `${f.src}#${f.nth}` }), async (faults) => {
        const calls: string[] = [];
        const counts = new Map<string, number>();
        const machine = machineWith(faultyActors(calls, counts, faults));
        let { actor, snapshot } = await runToSettle(machine);
        const seenCompleted: string[][] = [];
        for (let round = 0; snapshot.status !== 'done'; round++) {
          expect(round).toBeLessThan(faults.length + 1);
          expect(snapshot.hasTag('stopped')).toBe(true);
          const ctx: CutContext = snapshot.context;
          seenCompleted.push([...ctx.completed]);
          expect(ctx.completed).toEqual(STEP_NAMES.slice(0, ctx.completed.length));
          const persisted: unknown = JSON.parse(JSON.stringify(actor.getPersistedSnapshot()));
          actor.stop();
          const restored = restoreCutActor(machine, persisted, { input: INPUT });
          if (!restored.ok) throw new Error(restored.message);
          actor = restored.actor;
          actor.start();
          actor.send({ type: 'RESUME' });
          snapshot = await settle(actor);
        }
        expect(snapshot.context).toEqual(happy);
        // Progress is never lost across a stop and a restore.
        for (let i = 1; i < seenCompleted.length; i++) expect(seenCompleted[i]?.length).toBeGreaterThanOrEqual(seenCompleted[i - 1]?.length ?? 0);
        // A phase runs again only while its step is not completed.
        for (const step of STEP_NAMES) {
          const runs = calls.filter((c) => c === `${step}:${step}`).length;
          const failedRuns = faults.filter((f) => f.src === step && f.nth <= runs).length;
          if (!step.startsWith('SG')) expect(runs).toBe(1 + failedRuns);
        }
      }),
      { numRuns: 60 },
    );
  });
});
