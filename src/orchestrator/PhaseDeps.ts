/**
 * What every phase actor gets from the runner: the I/O handles, the clock and the run's store.
 * Built once per process by the runner; phase actors never open anything themselves.
 */
import type { Config } from '../config/configSchema.js';
import type { Database } from '../db/Database.js';
import type { KbStore } from '../kb/KbStore.js';
import type { TrustedKeyring } from '../approval/loadKeyring.js';
import type { RunStore } from './RunStore.js';

/** Progress events for stderr (DESIGN §8: per-phase progress on stderr with elapsed ms). */
export interface Progress {
  stepStarted(step: string): void;
  stepDone(step: string, ms: number, note?: string): void;
  stepFailed(step: string, ms: number, code: string): void;
}

/** The dependencies of the phase actors (STYLE: I/O behind small interfaces made by a factory). */
export interface PhaseDeps {
  config: Config;
  db: Database;
  kb: KbStore;
  store: RunStore;
  /** Trusted sovereign keys, loaded on first use (gates only). */
  keyring(): Promise<TrustedKeyring>;
  clock(): Date;
  progress: Progress;
}
