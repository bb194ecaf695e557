/**
 * Runs a cut machine actor until it is done or stopped, for machine tests.
 */
import { createActor, waitFor } from 'xstate';
import type { Actor } from 'xstate';
import { createCutMachine } from '../../machines/cutMachine.js';
import type { CutMachine } from '../../machines/cutMachine.js';
import type { CutActors } from '../../machines/phases.js';
import type { CutInput } from '../../machines/types.js';

/** The default input of the tests. */
export const INPUT: CutInput = { run_id: 'us-const-0123456789abcdef-20261101', document_id: 'us-const' };

/** The cut machine with `actors` provided. */
export function machineWith(actors: CutActors): CutMachine {
  return createCutMachine().provide({ actors });
}

/** Resolves when the actor is done, in a `stopped` state or waiting at a gate; rejects if it errors. */
export function settle(actor: Actor<CutMachine>) {
  return waitFor(actor, (s) => s.status === 'done' || s.hasTag('stopped') || s.hasTag('awaiting'), { timeout: 60_000 });
}

/** Creates, starts and settles an actor of `machine`. */
export async function runToSettle(machine: CutMachine, input: CutInput = INPUT) {
  const actor = createActor(machine, { input });
  actor.start();
  const snapshot = await settle(actor);
  return { actor, snapshot };
}
