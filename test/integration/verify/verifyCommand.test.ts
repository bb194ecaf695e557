/**
 * The `verify` command as the CLI calls it: only a configuration and a run id. The embedded PGlite
 * database lives in a directory of the workspace (DESIGN §9), so the command reopens it itself.
 * The run is built once (its sovereign key expires tomorrow); every test uses its own copy.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, expect, test } from 'vitest';
import { verify } from '../../../src/commands/verify.js';
import { InputError } from '../../../src/errors.js';
import { buildRunTemplate, type RunCopy, type RunTemplate } from '../../support/cloneRun.js';
import { completeRun, type CompletedRun } from '../../support/completedRun.js';
import { makeTempDir } from '../../support/sovereignKeys.js';

// Two days after its creation (one day ago): valid now, expired by the last test's clock. One
// build serves every test; each test works on its own copy of it.
const KEY_LIFETIME_S = 2 * 86_400;

let template: RunTemplate<CompletedRun>;
let copy: RunCopy;

beforeAll(async () => {
  template = await buildRunTemplate('pglite', (ws, db) => completeRun(ws, { db, docPrefix: 'READERS' }), { keyExpirationTime: KEY_LIFETIME_S });
});
afterAll(async () => {
  await template.drop();
});
beforeEach(async () => {
  copy = await template.copy();
});
afterEach(async () => {
  await copy.cleanup();
});

test('verify opens the PGlite directory and the KB of the configuration; exit 0 on a complete run', async () => {
  const done = template.data;
  // The command opens the workspace's PGlite directory itself: the copy's handle must let go of its lock.
  await copy.closeDb();
  const out = await verify({ config: copy.ws.config, runId: done.runId });
  expect(out.json.checks.filter((c) => !c.ok)).toEqual([]);
  expect(out.exitCode).toBe(0);
  expect(out.text.split('\n')[0]).toBe(`verify run ${done.runId} (state done): PASS — ${out.json.checks.length} checks, 0 failed`);
});

test('verify exits 20 and names the failed check when the database copy of a pin disagrees', async () => {
  const done = template.data;
  await copy.db.transaction(async (tx) => {
    await tx.query('SET LOCAL session_replication_role = replica');
    await tx.query("UPDATE cutter_governance.manifest_envelope SET region_sha = repeat('0', 64) WHERE id = $1", [done.ctx.context_pins.manifest_envelope_id]);
  });
  await copy.closeDb();
  const out = await verify({ config: copy.ws.config, runId: done.runId });
  expect(out.exitCode).toBe(20);
  expect(out.text).toMatch(/FAIL {2}db\.manifest_envelope: region_sha: expected [0-9a-f]{64}, found 0{64}/);
  expect(out.text.split('\n').at(-1)).toBe('failed: db.manifest_envelope');
});

test('a KB directory that is not a git work tree is bad input, and verify does not create one', async () => {
  const empty = await makeTempDir('not-a-kb-');
  try {
    await expect(verify({ config: { ...copy.ws.config, kbDir: empty }, runId: template.data.runId })).rejects.toBeInstanceOf(InputError);
    expect(existsSync(path.join(empty, '.git'))).toBe(false);
  } finally {
    await rm(empty, { recursive: true, force: true });
  }
});

test('an approval whose signer key expired since still verifies at its signing time', async () => {
  const r = template.data;
  const later = new Date(Date.now() + 3 * 86_400_000);
  const out = await verify({ config: copy.ws.config, runId: r.runId, db: copy.db, kb: copy.ws.kb, now: later });
  expect(out.json.checks.filter((c) => !c.ok)).toEqual([]);
  const sg1 = out.json.checks.find((c) => c.check === 'approval.SG1');
  expect(sg1?.detail).toMatch(/signer key has expired since; valid when signed at/);
});
