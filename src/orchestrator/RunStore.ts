/**
 * The run's sidecar held in memory and written through one serialized queue: after every
 * transition the runner records the machine's persisted snapshot, and nothing else writes it
 * (DESIGN §2, §5; STYLE "one copy of state").
 */
import type { Sidecar } from '../sidecar/runContextSchema.js';
import { writeSidecar } from '../sidecar/writeSidecar.js';

/** Holds the current sidecar and persists every recorded snapshot atomically, in order. */
export class RunStore {
  private sidecar: Sidecar;
  private queue: Promise<void> = Promise.resolve();
  private failure: unknown;

  constructor(
    readonly dir: string,
    initial: Sidecar,
    private readonly clock: () => Date,
  ) {
    this.sidecar = initial;
  }

  /** The latest sidecar (including a snapshot not yet on disk). */
  get current(): Sidecar {
    return this.sidecar;
  }

  /**
   * Records `snapshot` (`actor.getPersistedSnapshot()`) and queues an atomic write of the sidecar.
   * @param scope - failpoint scope of the write (the step the machine is in)
   * @returns when this write is on disk
   * @throws the write's error (schema or key-chain refusal, I/O); later writes then fail too
   */
  record(snapshot: unknown, scope?: string): Promise<void> {
    this.sidecar = { ...this.sidecar, snapshot, updated_at: this.clock().toISOString() };
    const next = this.sidecar;
    this.queue = this.queue.then(async () => {
      if (this.failure !== undefined) throw this.failure;
      try {
        await writeSidecar(this.dir, next, scope);
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
