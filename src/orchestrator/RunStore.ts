/**
 * The run's sidecar held in memory and written through one serialized queue, so the snapshot
 * subscription and the gate actors never race on `sidecars/<run_id>.json` (DESIGN §2, §5).
 */
import type { RunContext } from '../sidecar/runContextSchema.js';
import { writeSidecar } from '../sidecar/writeSidecar.js';

/** Holds the current RunContext and persists every update atomically, in order. */
export class RunStore {
  private ctx: RunContext;
  private queue: Promise<void> = Promise.resolve();
  private failure: unknown;
  /** The stop the run had when this process took it over (a resume), else null. */
  readonly resumedFromStop: RunContext['stop'];

  constructor(
    readonly dir: string,
    initial: RunContext,
    private readonly clock: () => Date,
  ) {
    this.ctx = initial;
    this.resumedFromStop = initial.stop;
  }

  /** The latest RunContext (including updates not yet on disk). */
  get current(): RunContext {
    return this.ctx;
  }

  /**
   * Applies `edit` to the latest context and queues an atomic write of the result.
   * @param scope - failpoint scope of the write (the phase or gate)
   * @returns when this update is on disk
   * @throws the write's error (schema or key-chain refusal, I/O); later updates then fail too
   */
  update(edit: (ctx: RunContext) => RunContext, scope?: string): Promise<void> {
    this.ctx = { ...edit(this.ctx), updated_at: this.clock().toISOString() };
    const snapshot = this.ctx;
    this.queue = this.queue.then(async () => {
      if (this.failure !== undefined) throw this.failure;
      try {
        await writeSidecar(this.dir, snapshot, scope);
      } catch (err) {
        this.failure = err;
        throw err;
      }
    });
    return this.queue;
  }

  /** Waits for every queued write. @throws the first write error */
  async flush(): Promise<void> {
    await this.queue;
    if (this.failure !== undefined) throw this.failure;
  }
}
