import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from 'vitest';
import { uuidv7 } from 'uuidv7';
import { DbConstraintError, SQLSTATE_APPEND_ONLY, SQLSTATE_LIFECYCLE } from '../../../src/db/dbErrors.js';
import type { Queryable } from '../../../src/db/Database.js';
import { MIGRATE_LOCK, migrate, readMigrations, verifyMigrations } from '../../../src/db/migrate.js';
import { openPostgres } from '../../../src/db/openPostgres.js';
import pg from 'pg';
import { StopError } from '../../../src/errors.js';
import { packageRoot } from '../../../src/packageRoot.js';
import { describeEachEngine } from '../../support/engines.js';
import { createHash } from 'node:crypto';

const sha = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

async function registerSourceVersion(db: Queryable, documentId: string, text: string): Promise<string> {
  const svid = sha(text);
  await db.query('INSERT INTO cutter.source_version (document_id, source_version_id, manifest_digest) VALUES ($1, $2, $3)', [documentId, svid, sha(`m${text}`)]);
  return svid;
}

async function insertChangeSet(db: Queryable, documentId: string, svid: string, key: string): Promise<string> {
  const id = uuidv7();
  await db.query(
    `INSERT INTO cutter_governance.cut_change_set (change_set_id, run_id, document_id, source_version_id, writer_digest, idempotency_key, iu_count)
     VALUES ($1, $2, $3, $4, $5, $6, 1)`,
    [id, uuidv7(), documentId, svid, sha('w'), key],
  );
  return id;
}

function ivArgs(changeSetId: string, documentId: string, svid: string, address: string, text: string, seq = 1): unknown[] {
  const hash = sha(text);
  return [changeSetId, documentId, svid, address, seq, 'article', 'body', null, 1, 'Article 1', text, hash, sha(svid + address + hash)];
}

const IU_CREATE = 'SELECT cutter.fn_iu_create($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) AS address';

async function rejectionOf(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the statement to be rejected');
}

describeEachEngine('schema and migrations', (ctx) => {
  test('migrate applies every migration, then is a no-op', async () => {
    const files = await readMigrations();
    const first = await migrate(ctx.db());
    expect(first.applied.map((m) => m.id)).toEqual(files.map((f) => f.id));
    expect(first.alreadyApplied).toEqual([]);
    const second = await migrate(ctx.db());
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied).toEqual(files.map((f) => f.id));
    const recorded = await ctx.db().query<{ id: string; sha256: string }>('SELECT id, sha256 FROM cutter_meta.schema_migration ORDER BY id');
    expect(recorded.rows).toEqual(files.map((f) => ({ id: f.id, sha256: f.sha256 })));
  });

  test('every verify query passes on the migrated schema', async () => {
    const results = await verifyMigrations(ctx.db());
    expect(results.length).toBeGreaterThanOrEqual(6);
    expect(results.filter((r) => !r.ok)).toEqual([]);
  });

  test('an edited applied migration is refused and nothing is applied', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'orchestrate-sql-'));
    try {
      await cp(path.join(packageRoot(), 'sql'), dir, { recursive: true });
      const target = path.join(dir, 'deploy', '003_iu.sql');
      await writeFile(target, `${await readFile(target, 'utf8')}\n-- edited after it was applied\n`);
      await writeFile(path.join(dir, 'deploy', '999_new.sql'), 'CREATE TABLE cutter.should_not_exist (x int);');
      await writeFile(path.join(dir, 'verify', '999_new.sql'), 'SELECT true AS ok;');
      const err = await rejectionOf(migrate(ctx.db(), { sqlDir: dir }));
      expect(err).toBeInstanceOf(StopError);
      expect((err as StopError).code).toBe('STOP_DRIFT');
      expect((err as StopError).message).toContain('003_iu');
      const t = await ctx.db().query<{ r: string | null }>("SELECT to_regclass('cutter.should_not_exist')::text AS r");
      expect(t.rows[0]?.r).toBeNull();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  /** Runs `migrate` on a copy of sql/ changed by `change`; returns what it threw. */
  async function migrateChangedCopy(change: (dir: string) => Promise<void>): Promise<unknown> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'orchestrate-sql-'));
    try {
      await cp(path.join(packageRoot(), 'sql'), dir, { recursive: true });
      await change(dir);
      return await rejectionOf(migrate(ctx.db(), { sqlDir: dir }));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  test('with nothing pending, an edited applied migration is still refused (the one-query check falls through to the drift check)', async () => {
    const err = await migrateChangedCopy(async (dir) => {
      const target = path.join(dir, 'deploy', '005_append_only_guards.sql');
      await writeFile(target, `${await readFile(target, 'utf8')}\n-- edited after it was applied\n`);
    });
    expect(err).toBeInstanceOf(StopError);
    expect((err as StopError).code).toBe('STOP_DRIFT');
    expect((err as StopError).message).toContain('005_append_only_guards was edited');
  });

  test('a vanished applied migration is refused', async () => {
    const files = await readMigrations();
    const last = files.at(-1)?.id as string;
    const err = await migrateChangedCopy(async (dir) => {
      await rm(path.join(dir, 'deploy', `${last}.sql`));
      await rm(path.join(dir, 'verify', `${last}.sql`));
    });
    expect((err as StopError).code).toBe('STOP_DRIFT');
    expect((err as StopError).message).toContain(`${last} has no file`);
  });

  test('a new migration that sorts before the last applied one is refused and not applied', async () => {
    const err = await migrateChangedCopy(async (dir) => {
      await writeFile(path.join(dir, 'deploy', '002_zz_early.sql'), 'CREATE TABLE cutter.should_not_exist_early (x int);');
      await writeFile(path.join(dir, 'verify', '002_zz_early.sql'), 'SELECT true AS ok;');
    });
    expect((err as StopError).code).toBe('STOP_DRIFT');
    expect((err as StopError).message).toContain('002_zz_early sorts before');
    const t = await ctx.db().query<{ r: string | null }>("SELECT to_regclass('cutter.should_not_exist_early')::text AS r");
    expect(t.rows[0]?.r).toBeNull();
  });

  test('with nothing pending, migrate does not wait for the migration lock another session holds', async () => {
    if (ctx.engine !== 'postgres') return; // PGlite is one connection: no other session can hold the lock.
    await migrate(ctx.db());
    const holder = new pg.Client({ connectionString: ctx.url() });
    await holder.connect();
    // If migrate waited for the lock, lock_timeout turns the wait into an error instead of a hang.
    const bounded = await openPostgres(`${ctx.url() as string}?options=${encodeURIComponent('-c lock_timeout=30000')}`);
    try {
      await holder.query('SELECT pg_advisory_lock($1)', [MIGRATE_LOCK]);
      const r = await migrate(bounded);
      expect(r.applied).toEqual([]);
      expect(r.alreadyApplied).toEqual((await readMigrations()).map((m) => m.id));
    } finally {
      await bounded.close();
      await holder.end();
    }
  });

  test('a duplicate idempotency_key is a typed error with SQLSTATE 23505 and the constraint name', async () => {
    const db = ctx.db();
    const svid = await registerSourceVersion(db, 'dup-key', 'dup key source');
    const key = sha('same key');
    await insertChangeSet(db, 'dup-key', svid, key);
    const err = await rejectionOf(insertChangeSet(db, 'dup-key', svid, key));
    expect(err).toBeInstanceOf(DbConstraintError);
    expect((err as DbConstraintError).sqlstate).toBe('23505');
    expect((err as DbConstraintError).constraint).toBe('cut_change_set_idempotency_key_key');
    expect((err as DbConstraintError).isUniqueViolation).toBe(true);
  });

  test('UPDATE, DELETE and TRUNCATE of governance rows are rejected', async () => {
    const db = ctx.db();
    const svid = await registerSourceVersion(db, 'append-only', 'append only source');
    const cs = await insertChangeSet(db, 'append-only', svid, sha('append-only key'));
    const attempts = [
      () => db.query('UPDATE cutter_governance.cut_change_set SET iu_count = 2 WHERE change_set_id = $1', [cs]),
      () => db.query('DELETE FROM cutter_governance.cut_change_set WHERE change_set_id = $1', [cs]),
      () => db.query("UPDATE cutter.source_version SET manifest_digest = repeat('0', 64) WHERE source_version_id = $1", [svid]),
      () => db.exec('TRUNCATE cutter_governance.manifest_envelope'),
    ];
    for (const attempt of attempts) {
      const err = await rejectionOf(attempt());
      expect(err).toBeInstanceOf(DbConstraintError);
      expect((err as DbConstraintError).sqlstate).toBe(SQLSTATE_APPEND_ONLY);
      expect((err as Error).message).toMatch(/append-only/);
    }
    const still = await db.query<{ n: string }>('SELECT count(*) AS n FROM cutter_governance.cut_change_set WHERE change_set_id = $1 AND iu_count = 1', [cs]);
    expect(still.rows[0]?.n).toBe('1');
  });

  test('an IU lifecycle moves only forward, and only lifecycle_state may change', async () => {
    const db = ctx.db();
    const svid = await registerSourceVersion(db, 'lifecycle', 'lifecycle source');
    const cs = await insertChangeSet(db, 'lifecycle', svid, sha('lifecycle key'));
    await db.query(IU_CREATE, ivArgs(cs, 'lifecycle', svid, 'LIFE/art_1', 'Article 1 text'));
    const move = (state: string) => db.query("UPDATE cutter.iu SET lifecycle_state = $1 WHERE canonical_address = 'LIFE/art_1'", [state]);
    await move('in_force');
    const back = await rejectionOf(move('cut'));
    expect((back as DbConstraintError).sqlstate).toBe(SQLSTATE_LIFECYCLE);
    expect((back as Error).message).toMatch(/backwards from in_force to cut/);
    await move('superseded');
    expect(((await rejectionOf(move('in_force'))) as DbConstraintError).sqlstate).toBe(SQLSTATE_LIFECYCLE);
    const edit = await rejectionOf(db.query("UPDATE cutter.iu SET text = 'changed' WHERE canonical_address = 'LIFE/art_1'"));
    expect((edit as DbConstraintError).sqlstate).toBe(SQLSTATE_LIFECYCLE);
    const del = await rejectionOf(db.query("DELETE FROM cutter.iu WHERE canonical_address = 'LIFE/art_1'"));
    expect((del as DbConstraintError).sqlstate).toBe(SQLSTATE_APPEND_ONLY);
    const r = await db.query<{ lifecycle_state: string; text: string }>("SELECT lifecycle_state, text FROM cutter.iu WHERE canonical_address = 'LIFE/art_1'");
    expect(r.rows).toEqual([{ lifecycle_state: 'superseded', text: 'Article 1 text' }]);
  });

  test('fn_iu_create refuses a duplicate address for the same source version, and a wrong content hash', async () => {
    const db = ctx.db();
    const svid = await registerSourceVersion(db, 'dup-address', 'dup address source');
    const cs = await insertChangeSet(db, 'dup-address', svid, sha('dup address key'));
    const r = await db.query<{ address: string }>(IU_CREATE, ivArgs(cs, 'dup-address', svid, 'DUP/art_1', 'first text'));
    expect(r.rows[0]?.address).toBe('DUP/art_1');
    const dup = await rejectionOf(db.query(IU_CREATE, ivArgs(cs, 'dup-address', svid, 'DUP/art_1', 'other text', 2)));
    expect(dup).toBeInstanceOf(DbConstraintError);
    expect((dup as DbConstraintError).sqlstate).toBe('23505');
    expect((dup as DbConstraintError).constraint).toBe('iu_source_version_address_key');
    const args = ivArgs(cs, 'dup-address', svid, 'DUP/art_2', 'real text', 3);
    args[10] = 'tampered text';
    const bad = await rejectionOf(db.query(IU_CREATE, args));
    expect((bad as DbConstraintError).sqlstate).toBe('23514');
  });

  test('fn_iu_create_set writes a batch in one call inside a transaction as the writer role', async () => {
    const db = ctx.db();
    const svid = await registerSourceVersion(db, 'batch', 'batch source');
    const cs = await insertChangeSet(db, 'batch', svid, sha('batch key'));
    const n = 500;
    const texts = Array.from({ length: n }, (_, i) => `Paragraph ${i + 1} — text ${'x'.repeat(i % 7)}`);
    const addresses = texts.map((_, i) => `BATCH/art_1__para_${i + 1}`);
    const hashes = texts.map((t) => sha(t));
    const written = await db.transaction(
      async (tx) => {
        const who = await tx.query<{ u: string }>('SELECT current_user AS u');
        expect(who.rows[0]?.u).toBe('orchestrator_writer');
        const r = await tx.query<{ n: number }>(
          'SELECT cutter.fn_iu_create_set($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) AS n',
          [cs, 'batch', svid, addresses, texts.map((_, i) => i + 1), texts.map(() => 'paragraph'), texts.map(() => 'body'),
            texts.map(() => 'BATCH/art_1'), texts.map((_, i) => i + 1), texts.map(() => null), texts, hashes,
            addresses.map((a, i) => sha(svid + a + hashes[i]))],
        );
        return r.rows[0]?.n;
      },
      { role: 'orchestrator_writer' },
    );
    expect(written).toBe(n);
    const back = await db.query<{ text: string }>('SELECT text FROM cutter.iu WHERE change_set_id = $1 ORDER BY seq', [cs]);
    expect(back.rows.map((r) => r.text)).toEqual(texts);
  });

  test('an IU enters only as cut, with a matching hash, into an unsealed change set — even by a direct INSERT of the writer role', async () => {
    const db = ctx.db();
    const svid = await registerSourceVersion(db, 'insert-guard', 'insert guard source');
    const cs = await insertChangeSet(db, 'insert-guard', svid, sha('insert guard key'));
    const direct = (address: string, text: string, hash: string, state: string) =>
      db.transaction(
        (tx) => tx.query(
          `INSERT INTO cutter.iu (canonical_address, document_id, source_version_id, change_set_id, seq, unit_kind, section_type, ordinal, text, content_hash, idempotency_key, lifecycle_state)
           VALUES ($1, 'insert-guard', $2, $3, $4, 'article', 'body', 1, $5, $6, $7, $8)`,
          [address, svid, cs, Number(address.slice(-1)), text, hash, sha(address), state],
        ),
        { role: 'orchestrator_writer' },
      );
    const forged = await rejectionOf(direct('IG/art_1', 'forged text', sha('other text'), 'cut'));
    expect((forged as DbConstraintError).sqlstate).toBe('23514');
    const inForce = await rejectionOf(direct('IG/art_2', 'text two', sha('text two'), 'in_force'));
    expect((inForce as DbConstraintError).sqlstate).toBe(SQLSTATE_LIFECYCLE);
    await direct('IG/art_3', 'text three', sha('text three'), 'cut');
    await db.query(
      `INSERT INTO cutter_governance.manifest_envelope (id, change_set_id, run_id, manifest_digest, region_sha, writer_digest, iu_count, envelope)
       VALUES ($1, $2, $3, $4, $4, $4, 1, '{}')`,
      [uuidv7(), cs, uuidv7(), sha('m')],
    );
    const sealed = await rejectionOf(direct('IG/art_4', 'text four', sha('text four'), 'cut'));
    expect((sealed as DbConstraintError).sqlstate).toBe(SQLSTATE_APPEND_ONLY);
    expect((sealed as Error).message).toMatch(/sealed/);
    const n = await db.query<{ n: string }>('SELECT count(*) AS n FROM cutter.iu WHERE change_set_id = $1', [cs]);
    expect(n.rows[0]?.n).toBe('1');
  });

  test('the insert guard checks a whole statement: one forged row among many refuses all of them (008)', async () => {
    const db = ctx.db();
    const svid = await registerSourceVersion(db, 'stmt-guard', 'statement guard source');
    const cs = await insertChangeSet(db, 'stmt-guard', svid, sha('statement guard key'));
    const insertMany = (texts: string[], hashes: string[]) =>
      db.transaction(
        (tx) => tx.query(
          `INSERT INTO cutter.iu (canonical_address, document_id, source_version_id, change_set_id, seq, unit_kind, section_type, ordinal, text, content_hash, idempotency_key)
           SELECT 'SG/art_' || i, 'stmt-guard', $1, $2, i, 'article', 'body', i, t, h, encode(sha256(convert_to($1 || i::text || t, 'UTF8')), 'hex')
             FROM unnest($3::text[], $4::text[]) WITH ORDINALITY AS u(t, h, i)`,
          [svid, cs, texts, hashes],
        ),
        { role: 'orchestrator_writer' },
      );
    const texts = Array.from({ length: 500 }, (_, i) => `statement text ${i}\twith a tab`);
    const hashes = texts.map((t, i) => (i === 321 ? sha('not this text') : sha(t)));
    const forged = await rejectionOf(insertMany(texts, hashes));
    expect((forged as DbConstraintError).sqlstate).toBe('23514');
    expect((forged as DbConstraintError).constraint).toBe('iu_content_hash_matches_text');
    expect((forged as Error).message).toMatch(/SG\/art_322: content_hash does not match the text/);
    const none = await db.query<{ n: string }>('SELECT count(*) AS n FROM cutter.iu WHERE change_set_id = $1', [cs]);
    expect(none.rows[0]?.n).toBe('0');
    const ok = await insertMany(texts, texts.map(sha));
    expect(ok.rowCount).toBe(500);
    const trig = await db.query<{ per_row: boolean; transition: string | null }>(
      "SELECT (tgtype & 1) = 1 AS per_row, tgnewtable AS transition FROM pg_trigger WHERE tgrelid = 'cutter.iu'::regclass AND tgname = 'iu_guard_insert'",
    );
    expect(trig.rows).toEqual([{ per_row: false, transition: 'iu_new' }]);
  });

  test('the writer role cannot delete, truncate or update governance rows (least privilege)', async () => {
    const db = ctx.db();
    const err = await rejectionOf(db.transaction((tx) => tx.exec('DELETE FROM cutter.iu'), { role: 'orchestrator_writer' }));
    expect((err as { sqlstate?: string }).sqlstate).toBe('42501');
    const upd = await rejectionOf(db.transaction((tx) => tx.exec('UPDATE cutter_governance.cut_change_set SET iu_count = 0'), { role: 'orchestrator_writer' }));
    expect((upd as { sqlstate?: string }).sqlstate).toBe('42501');
  });
});
