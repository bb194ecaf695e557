/**
 * The server-side IU rows aggregate (issue 11) against the TS derivation from the same rows, on
 * PGlite and real PostgreSQL: the count, the writer digest (addresses whose C order differs from a
 * locale order), the texts that no longer hash to their content hash (named in `seq` order, the
 * first five), and a change set without rows.
 */
import { createHash } from 'node:crypto';
import { uuidv7 } from 'uuidv7';
import { beforeAll, expect, test } from 'vitest';
import { writerDigest } from '../../../src/cutter/writerDigest.js';
import { migrate } from '../../../src/db/migrate.js';
import { aggregateIuRows, BAD_HASH_SAMPLE } from '../../../src/ledger/iuRowsDigest.js';
import { readBackIus } from '../../../src/ledger/readBackIus.js';
import { registerSourceVersion } from '../../../src/ledger/registerSourceVersion.js';
import { writeLegA, type LegARow } from '../../../src/ledger/writeLegA.js';
import { describeEachEngine } from '../../support/engines.js';

const sha = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

/** Addresses chosen so that byte order (C) and a natural-language collation disagree: case, `_` / `-` / `.`, digits. */
const EIDS = ['art_1', 'art-1', 'art_10', 'art_2', 'a', 'z_9', '0_x', 'art_1_a', 'b-2', 'b_2'];
const PREFIXES = ['Doc', 'DOC', 'doc.x', 'Doc_2'];

function rows(svid: string): LegARow[] {
  return PREFIXES.flatMap((prefix) => EIDS.map((eid) => `${prefix}/${eid}`)).map((addr, i) => {
    const text = `Unit ${addr} «${i}» with "quotes", a \\ backslash,\ta tab and a new line\n`;
    return { canonical_address: addr, unit_kind: i % 2 === 0 ? 'article' : 'paragraph', section_type: 'body', parent_address: null, ordinal: i + 1, heading: null, text, content_hash: sha(text), idempotency_key: sha(svid + addr + sha(text)) };
  });
}

describeEachEngine('the IU rows aggregate', (ctx) => {
  let changeSetId = '';
  let plan: LegARow[] = [];

  beforeAll(async () => {
    const db = ctx.db();
    await migrate(db);
    const svid = sha('aggregate source');
    await registerSourceVersion(db, { document_id: 'agg-doc', source_version_id: svid, manifest_digest: sha('m') });
    plan = rows(svid);
    const wd = writerDigest(plan);
    changeSetId = (await writeLegA(db, { runId: uuidv7(), documentId: 'agg-doc', sourceVersionId: svid, writerDigest: wd, rows: plan, replanDigest: () => wd, role: 'orchestrator_writer' })).changeSetId;
  });

  const asSuperuser = (sql: string, params: unknown[]) =>
    ctx.db().transaction(async (tx) => {
      await tx.query('SET LOCAL session_replication_role = replica');
      await tx.query(sql, params);
    });

  test('count and writer digest are the TS derivation from the rows read back, and the plan\'s', async () => {
    const db = ctx.db();
    const agg = await aggregateIuRows(db, changeSetId);
    const back = await readBackIus(db, changeSetId);
    expect(agg).toEqual({ iuCount: plan.length, writerDigest: writerDigest(back), badHashCount: 0, badHashAddresses: [] });
    expect(agg.writerDigest).toBe(writerDigest(plan));
  });

  test('texts altered without their content hash are counted and named in seq order (the first five); a consistent rewrite changes the digest', async () => {
    const db = ctx.db();
    const seqs = [9, 2, 30, 4, 17, 11, 25];
    const before = await readBackIus(db, changeSetId);
    await asSuperuser("UPDATE cutter.iu SET text = text || ' (tampered)' WHERE change_set_id = $1 AND seq = ANY($2::int[])", [changeSetId, seqs]);
    try {
      const agg = await aggregateIuRows(db, changeSetId);
      const sorted = [...seqs].sort((a, b) => a - b).slice(0, BAD_HASH_SAMPLE);
      expect(agg.badHashCount).toBe(seqs.length);
      expect(agg.badHashAddresses).toEqual(sorted.map((s) => before[s - 1]?.canonical_address));
      expect(agg.writerDigest).toBe(writerDigest(before));
    } finally {
      await asSuperuser('UPDATE cutter.iu SET text = t.text FROM unnest($2::int[], $3::text[]) AS t(seq, text) WHERE change_set_id = $1 AND cutter.iu.seq = t.seq',
        [changeSetId, seqs, seqs.map((s) => before[s - 1]?.text)]);
    }
    const text = 'A forged text.\n';
    const target = before[5];
    await asSuperuser('UPDATE cutter.iu SET text = $2, content_hash = $3 WHERE change_set_id = $1 AND seq = 6', [changeSetId, text, sha(text)]);
    try {
      const agg = await aggregateIuRows(db, changeSetId);
      expect(agg.badHashCount).toBe(0);
      expect(agg.writerDigest).not.toBe(writerDigest(plan));
      expect(agg.writerDigest).toBe(writerDigest(await readBackIus(db, changeSetId)));
    } finally {
      await asSuperuser('UPDATE cutter.iu SET text = $2, content_hash = $3 WHERE change_set_id = $1 AND seq = 6', [changeSetId, target?.text, target?.content_hash]);
    }
    expect((await aggregateIuRows(db, changeSetId)).writerDigest).toBe(writerDigest(plan));
  });

  test('a change set without rows: count 0 and the digest of the empty rowset', async () => {
    expect(await aggregateIuRows(ctx.db(), uuidv7())).toEqual({ iuCount: 0, writerDigest: writerDigest([]), badHashCount: 0, badHashAddresses: [] });
  });
});
