/**
 * What every phase actor gets from the runner: the I/O handles, the clock and the run's identity.
 * Built once per process by the runner; phase actors never open anything themselves.
 */
import type { Config } from '../config/configSchema.js';
import type { Database } from '../db/Database.js';
import type { KbStore } from '../kb/KbStore.js';
import type { TrustedKeyring } from '../approval/loadKeyring.js';
import type { Sidecar } from '../sidecar/runContextSchema.js';

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
}
