/**
 * The run's sidecar held in memory and written through one serialized queue: after every
 * transition the runner records the machine's persisted snapshot, and nothing else writes it
 * (DESIGN §2, §5; STYLE "one copy of state"). Each write is a new version in the run registry
 * (compare-and-set, DESIGN §9), then the local file.
 */
import type { Config } from '../config/configSchema.js';
import type { Database } from '../db/Database.js';
import { persistSidecar } from '../registry/runRecord.js';
import type { Sidecar } from '../sidecar/runContextSchema.js';

/** Holds the current sidecar and persists every recorded snapshot atomically, in order. */
export class RunStore {
  private sidecar: Sidecar;
  private queue: Promise<void> = Promise.resolve();
  private failure: unknown;
  private version: number;

  /** @param version - the registry version `initial` is (the next write is `version + 1`) */
  constructor(
    private readonly db: Database,
    private readonly config: Config,
    initial: Sidecar,
    version: number,
    private readonly clock: () => Date,
  ) {
    this.sidecar = initial;
    this.version = version;
  }

  /** The latest sidecar (including a snapshot not yet on disk). */
  get current(): Sidecar {
    return this.sidecar;
  }

  /**
   * Records `snapshot` (`actor.getPersistedSnapshot()`) and queues an atomic write of the sidecar.
   * @param scope - failpoint scope of the write (the step the machine is in)
   * @returns when this write is on disk
   * @throws the write's error (schema or key-chain refusal, registry compare-and-set lost
   *   (`STOP_LOCKED`), database, I/O); later writes then fail too
   */
  record(snapshot: unknown, scope?: string): Promise<void> {
    this.sidecar = { ...this.sidecar, snapshot, updated_at: this.clock().toISOString() };
    const next = this.sidecar;
    this.queue = this.queue.then(async () => {
      if (this.failure !== undefined) throw this.failure;
      try {
        await persistSidecar(this.db, this.config, next, this.version + 1, scope);
        this.version += 1;
      } catch (err) {
        this.failure = err;
        throw err;
      }
    });
    return this.queue;
  }

  /**
   * Waits until every write queued so far, and every write queued while waiting, is on disk: the
   * runner records a transition's snapshot right after the machine starts the step's actor, so a
   * step that awaits this sees its own entry written before it does anything durable.
   * @throws the first write error
   */
  async settled(): Promise<void> {
    let seen: Promise<void>;
    do {
      seen = this.queue;
      await seen;
    } while (seen !== this.queue);
    if (this.failure !== undefined) throw this.failure;
  }

  /** Waits for every queued write. @throws the first write error */
  async flush(): Promise<void> {
    await this.queue;
    if (this.failure !== undefined) throw this.failure;
  }
}
