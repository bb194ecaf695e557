/**
 * What every phase actor gets from the runner: the I/O handles, the clock and the run's identity.
 * Built once per process by the runner; phase actors never open anything themselves.
 */
import type { Config } from '../config/configSchema.js';
import type { Database } from '../db/Database.js';
import type { KbStore } from '../kb/KbStore.js';
import type { TrustedKeyring } from '../approval/loadKeyring.js';
import type { Sidecar } from '../sidecar/runContextSchema.js';
import type { PhaseName } from '../../machines/steps.js';
import { StopError } from '../errors.js';
import type { CutContext, PinName } from '../../machines/types.js';

/** Progress events for stderr (DESIGN §8: per-phase progress on stderr with elapsed ms). */
export interface Progress {
  stepStarted(step: string): void;
  stepDone(step: string, ms: number, note?: string): void;
  stepFailed(step: string, ms: number, code: string): void;
}

/** The run's identity (immutable for the life of the run): what a phase names in its work and reports. */
export type RunIdentity = Pick<Sidecar, 'run_id' | 'document_id' | 'law_id' | 'doc_prefix' | 'source_version_id' | 'kb_folder' | 'actor'>;

/**
 * The dependencies of the phase actors (STYLE: I/O behind small interfaces made by a factory).
 * Run state is the machine's context, given to each actor as input; no actor writes the sidecar.
 */
export interface PhaseDeps {
  config: Config;
  db: Database;
  kb: KbStore;
  run: RunIdentity;
  /** Trusted sovereign keys, loaded on first use (gates only). */
  keyring(): Promise<TrustedKeyring>;
  clock(): Date;
  progress: Progress;
  /**
   * Resolves once the sidecar on disk names the step being run (DESIGN §5: nothing durable happens
   * before the run records where it is; a crash inside a step then resumes that step, which adopts
   * its own effect). The runner supplies it; absent (unit tests of one phase), steps do not wait.
   * @throws the sidecar write error, which stops the run
   */
  recorded?(): Promise<void>;
  /**
   * Why the run's database session lock (held by the driving process, DESIGN §9) is no longer held,
   * or undefined while it is: checked before every step and internal gate, so a process whose lock
   * connection failed writes nothing more (another host may have taken the run over). Absent: no
   * such lock (unit tests of one phase).
   */
  runLockLost?(): string | undefined;
}

/**
 * Throws when the run's session lock was lost ({@link PhaseDeps.runLockLost}).
 * @throws StopError `STOP_DB`: the connection holding the lock failed; nothing of the next step was written
 */
export function assertRunLockHeld(deps: PhaseDeps): void {
  const why = deps.runLockLost?.();
  if (why === undefined) return;
  throw new StopError('STOP_DB', `the database session holding run ${deps.run.run_id}'s lock was lost (${why}): another process may take the run over, so this one writes nothing more`, {
    runId: deps.run.run_id,
    written: [],
    next: `check the database, then resume the run (orchestrate resume ${deps.run.run_id}, from any host): it takes the lock again and adopts what was written`,
  });
}

/**
 * The pin `name` of the run, which an earlier step must have set: the machine enters a step only
 * after every earlier one recorded its pins, so a missing pin is a bug, not a user error.
 * @throws Error (recorded as STOP_INTERNAL) when the pin is missing
 */
export function pinOf(context: CutContext, name: PinName): string {
  const value = context.pins[name];
  if (value === undefined) throw new Error(`pin ${name} is missing after ${context.completed.at(-1) ?? 'no step'}: a step ran out of order`);
  return value;
}

/**
 * The persisted key of `phase` (reference §4), which an earlier step must have set.
 * @throws Error (recorded as STOP_INTERNAL) when the key is missing
 */
export function keyOf(context: CutContext, phase: PhaseName): string {
  const value = context.keys[phase];
  if (value === undefined) throw new Error(`key of ${phase} is missing: a step ran out of order`);
  return value;
}
