/**
 * The `verify` command as the CLI calls it: only a configuration and a run id. The embedded PGlite
 * database lives in a directory of the workspace (DESIGN §9), so the command reopens it itself.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { verify } from '../../../src/commands/verify.js';
import { migrate } from '../../../src/db/migrate.js';
import { openPglite } from '../../../src/db/openPglite.js';
import { InputError } from '../../../src/errors.js';
import { completeRun, createRunWorkspace, type CompletedRun, type RunWorkspace } from '../../support/completedRun.js';
import { makeTempDir } from '../../support/sovereignKeys.js';

let ws: RunWorkspace;
let done: CompletedRun;

beforeAll(async () => {
  ws = await createRunWorkspace();
  const db = await openPglite(ws.config.pgliteDir);
  try {
    await migrate(db);
    done = await completeRun(ws, { db, docPrefix: 'UDHR' });
  } finally {
    await db.close();
  }
});
afterAll(async () => {
  await ws.cleanup();
});

test('verify opens the PGlite directory and the KB of the configuration; exit 0 on a complete run', async () => {
  const out = await verify({ config: ws.config, runId: done.runId });
  expect(out.json.checks.filter((c) => !c.ok)).toEqual([]);
  expect(out.exitCode).toBe(0);
  expect(out.text.split('\n')[0]).toBe(`verify run ${done.runId} (state done): PASS — ${out.json.checks.length} checks, 0 failed`);
});

test('verify exits 20 and names the failed check when the database copy of a pin disagrees', async () => {
  const db = await openPglite(ws.config.pgliteDir);
  try {
    await db.transaction(async (tx) => {
      await tx.query('SET LOCAL session_replication_role = replica');
      await tx.query("UPDATE cutter_governance.manifest_envelope SET region_sha = repeat('0', 64) WHERE id = $1", [done.ctx.context_pins.manifest_envelope_id]);
    });
  } finally {
    await db.close();
  }
  const out = await verify({ config: ws.config, runId: done.runId });
  expect(out.exitCode).toBe(20);
  expect(out.text).toMatch(/FAIL {2}db\.manifest_envelope: region_sha: expected [0-9a-f]{64}, found 0{64}/);
  expect(out.text.split('\n').at(-1)).toBe('failed: db.manifest_envelope');
});

test('a KB directory that is not a git work tree is bad input, and verify does not create one', async () => {
  const empty = await makeTempDir('not-a-kb-');
  try {
    await expect(verify({ config: { ...ws.config, kbDir: empty }, runId: done.runId })).rejects.toBeInstanceOf(InputError);
    expect(existsSync(path.join(empty, '.git'))).toBe(false);
  } finally {
    await rm(empty, { recursive: true, force: true });
  }
});

test('an approval whose signer key expired since still verifies at its signing time', async () => {
  const twoDays = 2 * 86_400;
  const expiring = await createRunWorkspace({ keyExpirationTime: twoDays });
  const db = await openPglite('memory://');
  try {
    await migrate(db);
    const r = await completeRun(expiring, { db, docPrefix: 'UDHR-EXP' });
    const later = new Date(Date.now() + 3 * 86_400_000);
    const out = await verify({ config: expiring.config, runId: r.runId, db, kb: expiring.kb, now: later });
    expect(out.json.checks.filter((c) => !c.ok)).toEqual([]);
    const sg1 = out.json.checks.find((c) => c.check === 'approval.SG1');
    expect(sg1?.detail).toMatch(/signer key has expired since; valid when signed at/);
  } finally {
    await db.close();
    await expiring.cleanup();
  }
});
