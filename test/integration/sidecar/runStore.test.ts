/**
 * RunStore (DESIGN §5, §9): every recorded snapshot becomes the next version in the run registry
 * (compare-and-set) and then the local sidecar file, in order; a step waits for its entry.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { Config } from '../../../src/config/configSchema.js';
import type { Database } from '../../../src/db/Database.js';
import { migrate } from '../../../src/db/migrate.js';
import { openPglite } from '../../../src/db/openPglite.js';
import { RunStore } from '../../../src/orchestrator/RunStore.js';
import { refreshLocalCopy } from '../../../src/registry/runRecord.js';
import { StopError } from '../../../src/errors.js';
import { latestSnapshot, registerRun } from '../../../src/registry/runRegistry.js';
import { serializeSidecar } from '../../../src/sidecar/writeSidecar.js';
import type { Sidecar } from '../../../src/sidecar/runContextSchema.js';
import { LockHeld } from '../../../src/stops/facts.js';
import { completeRunContext, freshRunContext } from '../../unit/sidecar/sampleRunContext.js';
import { rejectionOf } from '../../support/rejection.js';

const dirs: string[] = [];
let db: Database;

beforeAll(async () => {
  db = await openPglite('memory://');
  await migrate(db);
});
afterAll(async () => {
  await db.close();
});
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

let folders = 0;

/** A fresh run with a folder of its own (a folder is claimed once: `run_kb_folder_key`). */
function freshRun(): Sidecar {
  const fresh = freshRunContext();
  folders += 1;
  return { ...fresh, kb_folder: `${fresh.kb_folder}-${String(folders).padStart(4, '0')}` };
}

async function registered(fresh: Sidecar): Promise<{ dir: string; config: Config }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'runstore-'));
  dirs.push(dir);
  const config = { sidecarsDir: dir, writerRole: 'orchestrator_writer' } as Config;
  await db.transaction((tx) => registerRun(tx, fresh, serializeSidecar(dir, fresh)), { role: config.writerRole });
  return { dir, config };
}

describe('RunStore.settled (DESIGN §5: a step records where the run is before its durable effect)', () => {
  test('also waits for a write queued after it was called, as the runner queues a transition right after starting its step', async () => {
    const fresh = freshRun();
    const { dir, config } = await registered(fresh);
    const complete = completeRunContext(fresh.run_id);
    const store = new RunStore(db, config, fresh, 1, () => new Date());
    void store.record(fresh.snapshot);
    const settled = store.settled();
    // The machine starts the step's actor, then notifies the runner, which queues the entry write.
    void store.record(complete.snapshot);
    await settled;
    const file = await readFile(path.join(dir, `${fresh.run_id}.json`), 'utf8');
    expect((JSON.parse(file) as { snapshot: unknown }).snapshot).toEqual(complete.snapshot);
    // The registry holds the same bytes, as version 3 (1 = the registration, then two records).
    const latest = await latestSnapshot(db, fresh.run_id);
    expect(latest?.version).toBe(3);
    expect(latest?.text).toBe(file);
  });

  test('rethrows the write error, so the step does not run unrecorded', async () => {
    const fresh = freshRun();
    const { config } = await registered(fresh);
    const store = new RunStore(db, config, fresh, 1, () => new Date());
    store.record({ not: 'a snapshot' }).catch(() => undefined);
    await expect(store.settled()).rejects.toThrow();
    expect((await latestSnapshot(db, fresh.run_id))?.version).toBe(1);
  });
});

describe('the run registry is compare-and-set (DESIGN §9)', () => {
  test('a second writer of the same run from a stale version is refused STOP_LOCKED and writes nothing', async () => {
    const fresh = freshRun();
    const { config } = await registered(fresh);
    const complete = completeRunContext(fresh.run_id);
    const first = new RunStore(db, config, fresh, 1, () => new Date());
    const stale = new RunStore(db, config, fresh, 1, () => new Date());
    await first.record(complete.snapshot);
    const refused = await rejectionOf(stale.record(fresh.snapshot), LockHeld);
    expect(refused.code).toBe('STOP_LOCKED');
    const latest = await latestSnapshot(db, fresh.run_id);
    expect(latest?.version).toBe(2);
    expect(latest?.sidecar.snapshot).toEqual(complete.snapshot);
  });

  test('versions are append-only and gap-free: UPDATE, DELETE and a skipped version are refused by the database', async () => {
    const fresh = freshRun();
    await registered(fresh);
    const text = serializeSidecar('x', fresh);
    await expect(db.query('UPDATE cutter_governance.run_snapshot SET host = $2 WHERE run_id = $1', [fresh.run_id, 'elsewhere'])).rejects.toThrow(/append-only/);
    await expect(db.query('DELETE FROM cutter_governance.run WHERE run_id = $1', [fresh.run_id])).rejects.toThrow(/append-only|foreign key/);
    await expect(db.query(
      "INSERT INTO cutter_governance.run_snapshot (run_id, version, sidecar, sha256, host, pid) VALUES ($1, 3, $2, encode(sha256(convert_to($2, 'UTF8')), 'hex'), 'h', 1)",
      [fresh.run_id, text],
    )).rejects.toThrow(/version 3 refused, the last recorded is 1/);
    await expect(db.query(
      "INSERT INTO cutter_governance.run_snapshot (run_id, version, sidecar, sha256, host, pid) VALUES ($1, 2, $2, $3, 'h', 1)",
      [fresh.run_id, text, 'a'.repeat(64)],
    )).rejects.toThrow(/run_snapshot_sha256_matches/);
  });
});

describe('refreshLocalCopy (DESIGN §9: the local sidecar is a copy of the registry)', () => {
  test('rebuilds a missing or older copy; an edited copy refuses STOP_DRIFT, naming the file and changing nothing, unless told to keep it (verify)', async () => {
    const fresh = freshRun();
    const { dir, config } = await registered(fresh);
    const store = new RunStore(db, config, fresh, 1, () => new Date());
    await store.record(completeRunContext(fresh.run_id).snapshot);
    const file = path.join(dir, `${fresh.run_id}.json`);
    const latest = await readFile(file, 'utf8');
    // An older recorded version (a host that stopped earlier) is brought up to date.
    await writeFile(file, serializeSidecar(dir, fresh));
    expect((await refreshLocalCopy(db, config, fresh.run_id))?.local).toBe('rebuilt');
    expect(await readFile(file, 'utf8')).toBe(latest);
    // A missing one is written.
    await rm(file);
    expect((await refreshLocalCopy(db, config, fresh.run_id))?.version).toBe(2);
    expect(await readFile(file, 'utf8')).toBe(latest);
    // An edited one is refused, and left as it is.
    const edited = latest.replace(fresh.actor, 'someone-else@example.org');
    expect(edited).not.toBe(latest);
    await writeFile(file, edited);
    const refused = await rejectionOf(refreshLocalCopy(db, config, fresh.run_id), StopError);
    expect(refused.code).toBe('STOP_DRIFT');
    expect(refused.message).toContain(file);
    expect(refused.details.next).toMatch(/move .* aside/);
    expect(await readFile(file, 'utf8')).toBe(edited);
    expect((await refreshLocalCopy(db, config, fresh.run_id, { edited: 'keep' }))?.local).toBe('rebuilt');
    expect(await readFile(file, 'utf8')).toBe(edited);
  });
});
