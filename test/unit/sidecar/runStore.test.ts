import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { RunStore } from '../../../src/orchestrator/RunStore.js';
import { completeRunContext, freshRunContext } from './sampleRunContext.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe('RunStore.settled (DESIGN §5: a step records where the run is before its durable effect)', () => {
  test('also waits for a write queued after it was called, as the runner queues a transition right after starting its step', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'runstore-'));
    dirs.push(dir);
    const fresh = freshRunContext();
    const complete = completeRunContext(fresh.run_id);
    const store = new RunStore(dir, fresh, () => new Date());
    void store.record(fresh.snapshot);
    const settled = store.settled();
    // The machine starts the step's actor, then notifies the runner, which queues the entry write.
    void store.record(complete.snapshot);
    await settled;
    const onDisk = JSON.parse(await readFile(path.join(dir, `${fresh.run_id}.json`), 'utf8')) as { snapshot: unknown };
    expect(onDisk.snapshot).toEqual(complete.snapshot);
  });

  test('rethrows the write error, so the step does not run unrecorded', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'runstore-'));
    dirs.push(dir);
    const fresh = freshRunContext();
    const store = new RunStore(dir, fresh, () => new Date());
    store.record({ not: 'a snapshot' }).catch(() => undefined);
    await expect(store.settled()).rejects.toThrow();
  });
});
