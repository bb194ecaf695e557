import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { uuidv7 } from 'uuidv7';
import type { Database } from '../../../src/db/Database.js';
import { migrate } from '../../../src/db/migrate.js';
import { openPostgres } from '../../../src/db/openPostgres.js';
import { packageRoot } from '../../../src/packageRoot.js';
import { createTestDatabase, type TestDatabase } from '../../support/realPg.js';

const run = promisify(execFile);
const sha = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');
const runbook = path.join(packageRoot(), 'sql', 'lifecycle', 'rollback_runbook.sql');
const FPR = 'A'.repeat(40);

async function cut(db: Database, doc: string, source: string, texts: string[], supersedes?: string): Promise<{ cs: string; svid: string }> {
  const svid = sha(source);
  const cs = uuidv7();
  await db.query('INSERT INTO cutter.source_version (document_id, source_version_id, manifest_digest) VALUES ($1, $2, $3)', [doc, svid, sha(`m${source}`)]);
  await db.query(
    'INSERT INTO cutter_governance.cut_change_set (change_set_id, run_id, document_id, source_version_id, writer_digest, idempotency_key, iu_count) VALUES ($1, $2, $3, $4, $5, $6, $7)',
    [cs, uuidv7(), doc, svid, sha('w' + source), sha('k' + source), texts.length],
  );
  for (const [i, t] of texts.entries()) {
    const addr = `RB/art_${i + 1}`;
    await db.query('SELECT cutter.fn_iu_create($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)', [cs, doc, svid, addr, i + 1, 'article', 'body', null, i + 1, null, t, sha(t), sha(svid + addr + sha(t))]);
  }
  await db.query('UPDATE cutter.iu SET lifecycle_state = $1 WHERE change_set_id = $2', ['in_force', cs]);
  if (supersedes !== undefined) {
    await db.query("UPDATE cutter.iu SET lifecycle_state = 'superseded' WHERE source_version_id = $1", [supersedes]);
  }
  await db.query(
    'INSERT INTO cutter_governance.review_decision (id, change_set_id, run_id, decision, approver_fingerprint, approval_sha256, superseded_source_version) VALUES ($1, $2, $3, $4, $5, $6, $7)',
    [uuidv7(), cs, uuidv7(), 'approve', FPR, sha('approval' + source), supersedes ?? null],
  );
  return { cs, svid };
}

describe.skipIf(!inject('realPgAvailable'))('sql/lifecycle/rollback_runbook.sql with psql [postgres]', () => {
  let testDb: TestDatabase;
  let db: Database;
  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = await openPostgres(testDb.url);
    await migrate(db);
  });
  afterAll(async () => {
    await db.close();
    await testDb.drop();
  });

  const psql = (cs: string) => run('psql', [testDb.url, '-X', '-q', '-v', 'document_id=rb-doc', '-v', `change_set_id=${cs}`, '-f', runbook]);

  test('refuses a change set that was not voided, and changes nothing', async () => {
    const v1 = await cut(db, 'rb-doc', 'version one', ['one a', 'one b']);
    const { stdout } = await psql(v1.cs);
    expect(stdout).toContain('REFUSED');
    const n = await db.query<{ n: string }>('SELECT count(*) AS n FROM cutter.iu WHERE change_set_id = $1', [v1.cs]);
    expect(n.rows[0]?.n).toBe('2');
  });

  test('reverts a voided change set: its IUs go, the superseded version is back in force, governance rows stay', async () => {
    const v1 = (await db.query<{ change_set_id: string; source_version_id: string }>("SELECT change_set_id, source_version_id FROM cutter_governance.cut_change_set WHERE document_id = 'rb-doc'")).rows[0]!;
    const v2 = await cut(db, 'rb-doc', 'version two', ['two a', 'two b', 'two c'], v1.source_version_id);
    await db.query('INSERT INTO cutter_governance.change_set_void (id, change_set_id, run_id, reason, signer_fingerprint, void_document_sha256) VALUES ($1, $2, $3, $4, $5, $6)', [uuidv7(), v2.cs, uuidv7(), 'wrong source', FPR, sha('void')]);
    await psql(v2.cs);
    const states = await db.query<{ change_set_id: string; lifecycle_state: string; n: string }>(
      "SELECT change_set_id, lifecycle_state, count(*) AS n FROM cutter.iu WHERE document_id = 'rb-doc' GROUP BY 1, 2 ORDER BY 1, 2",
    );
    expect(states.rows).toEqual([{ change_set_id: v1.change_set_id, lifecycle_state: 'in_force', n: '2' }]);
    const kept = await db.query<{ n: string }>('SELECT count(*) AS n FROM cutter_governance.cut_change_set WHERE change_set_id = $1', [v2.cs]);
    expect(kept.rows[0]?.n).toBe('1');
    // The guards are back for everyone else after the runbook's transaction.
    await expect(db.query("DELETE FROM cutter.iu WHERE document_id = 'rb-doc'")).rejects.toMatchObject({ sqlstate: 'GC001' });
  });

  test('refuses a voided change set that a later cut superseded (it would put two versions in force), changing nothing', async () => {
    const v1 = (await db.query<{ source_version_id: string }>("SELECT DISTINCT source_version_id FROM cutter.iu WHERE document_id = 'rb-doc' AND lifecycle_state = 'in_force'")).rows[0]!;
    const v3 = await cut(db, 'rb-doc', 'version three', ['three a'], v1.source_version_id);
    const v4 = await cut(db, 'rb-doc', 'version four', ['four a', 'four b'], v3.svid);
    await db.query('INSERT INTO cutter_governance.change_set_void (id, change_set_id, run_id, reason, signer_fingerprint, void_document_sha256) VALUES ($1, $2, $3, $4, $5, $6)', [uuidv7(), v3.cs, uuidv7(), 'late void', FPR, sha('void3')]);
    const { stdout } = await psql(v3.cs);
    expect(stdout).toContain('REFUSED');
    const states = await db.query<{ change_set_id: string; lifecycle_state: string; n: string }>(
      "SELECT change_set_id, lifecycle_state, count(*) AS n FROM cutter.iu WHERE document_id = 'rb-doc' AND change_set_id = ANY($1) GROUP BY 1, 2 ORDER BY 3",
      [[v3.cs, v4.cs]],
    );
    expect(states.rows).toEqual([
      { change_set_id: v3.cs, lifecycle_state: 'superseded', n: '1' },
      { change_set_id: v4.cs, lifecycle_state: 'in_force', n: '2' },
    ]);
  });
});
