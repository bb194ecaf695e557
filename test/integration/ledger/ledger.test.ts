import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, expect, test } from 'vitest';
import { uuidv7 } from 'uuidv7';
import type { DbConstraintError } from '../../../src/db/dbErrors.js';
import { migrate } from '../../../src/db/migrate.js';
import { StopError } from '../../../src/errors.js';
import { reportError } from '../../../src/cli/reportError.js';
import { stopCodeOf } from '../../../src/stops/stopCodeOf.js';
import { dumpDocumentScope } from '../../../src/ledger/dumpDocumentScope.js';
import { enactLifecycle } from '../../../src/ledger/enactLifecycle.js';
import { LegBAlreadyRecorded, findManifestEnvelope, recordLegB } from '../../../src/ledger/LegBRecorder.js';
import { GOVERNED_TABLES, grantProbeView, probeGrants, REGISTRY_TABLES } from '../../../src/ledger/probeGrants.js';
import { readBackIus } from '../../../src/ledger/readBackIus.js';
import { registerSourceVersion } from '../../../src/ledger/registerSourceVersion.js';
import { VerifyAlreadyRecorded, recordVerify } from '../../../src/ledger/VerifyRecorder.js';
import { findChangeSet, stageLegARows, stagedWriterDigest, writeLegA, type LegARow } from '../../../src/ledger/writeLegA.js';
import { describeEachEngine } from '../../support/engines.js';
import { writerDigest } from '../../../src/cutter/writerDigest.js';

const sha = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');
const ROLE = 'orchestrator_writer';
const FPR = 'B'.repeat(40);

function rows(prefix: string, svid: string, n: number): LegARow[] {
  return Array.from({ length: n }, (_, i) => {
    const text = `${prefix} unit ${i + 1}: ${'lorem '.repeat(i % 5)}`;
    const addr = `${prefix.toUpperCase()}/art_${i + 1}`;
    return { canonical_address: addr, unit_kind: 'article', section_type: 'body', parent_address: null, ordinal: i + 1, heading: `Article ${i + 1}`, text, content_hash: sha(text), idempotency_key: sha(svid + addr + sha(text)) };
  });
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(() => { throw new Error('expected a rejection'); }, (e: unknown) => e);
}

describeEachEngine('ledger writes and recorders', (ctx) => {
  beforeAll(async () => {
    await migrate(ctx.db());
  });

  test('source version registration is idempotent; another manifest for the same bytes is drift', async () => {
    const svid = sha('reg source');
    const row = { document_id: 'reg-doc', source_version_id: svid, manifest_digest: sha('m1') };
    expect(await registerSourceVersion(ctx.db(), row)).toEqual({ adopted: false });
    expect(await registerSourceVersion(ctx.db(), row)).toEqual({ adopted: true });
    const err = await rejection(registerSourceVersion(ctx.db(), { ...row, manifest_digest: sha('m2') }));
    expect((err as StopError).code).toBe('STOP_DRIFT');
  });

  test('leg A writes every IU in one transaction as the writer role, and a re-run of the same run adopts it', async () => {
    const db = ctx.db();
    const svid = sha('leg a v1');
    await registerSourceVersion(db, { document_id: 'leg-doc', source_version_id: svid, manifest_digest: sha('m') });
    const runId = uuidv7();
    const plan = rows('leg', svid, 1234);
    const wd = writerDigest(plan);
    const input = { runId, documentId: 'leg-doc', sourceVersionId: svid, writerDigest: wd, rows: plan, replanDigest: () => wd, role: ROLE };
    const first = await writeLegA(db, input);
    expect(first).toMatchObject({ iuCount: 1234, adopted: false });
    const again = await writeLegA(db, input);
    expect(again).toEqual({ ...first, adopted: true });
    const back = await readBackIus(db, first.changeSetId);
    expect(back.length).toBe(1234);
    expect(back.map((r) => r.text)).toEqual(plan.map((r) => r.text));
    expect(back.every((r) => r.lifecycle_state === 'cut')).toBe(true);
    expect((await findChangeSet(db, runId, wd))?.change_set_id).toBe(first.changeSetId);
  });

  test('leg A refuses a re-plan that drifted, and another run of the same source version, writing nothing', async () => {
    const db = ctx.db();
    const svid = sha('leg a v1');
    const count = async () => (await db.query<{ n: string }>("SELECT count(*) AS n FROM cutter_governance.cut_change_set WHERE document_id = 'leg-doc'")).rows[0]?.n;
    const before = await count();
    const plan = rows('leg', svid, 10);
    const wd = writerDigest(plan);
    const drift = await rejection(writeLegA(db, { runId: uuidv7(), documentId: 'leg-doc', sourceVersionId: svid, writerDigest: wd, rows: plan, replanDigest: () => sha('other'), role: ROLE }));
    expect((drift as StopError).code).toBe('STOP_DRIFT');
    const staleRows = await rejection(writeLegA(db, { runId: uuidv7(), documentId: 'leg-doc', sourceVersionId: svid, writerDigest: wd, rows: plan.slice(1), replanDigest: () => wd, role: ROLE }));
    expect((staleRows as StopError).code).toBe('STOP_DRIFT');
    const loser = uuidv7();
    const conflict = await rejection(writeLegA(db, { runId: loser, documentId: 'leg-doc', sourceVersionId: svid, writerDigest: wd, rows: plan, replanDigest: () => wd, role: ROLE }));
    expect((conflict as StopError).code).toBe('STOP_REPLAY_CONFLICT');
    // The stop names the run that holds the IUs, and tells the operator to void this one (issue 13).
    const holder = (await db.query<{ run_id: string }>('SELECT run_id FROM cutter_governance.cut_change_set WHERE source_version_id = $1', [svid])).rows[0]!.run_id;
    expect((conflict as StopError).message).toContain(`of run ${holder}`);
    expect((conflict as StopError).details.next).toContain(`orchestrate void --run-id ${loser}`);
    expect(await count()).toBe(before);
  });

  test('leg A refuses a row whose text does not hash to its content_hash (the insert guard), writing nothing', async () => {
    const db = ctx.db();
    const svid = sha('leg a forged');
    await registerSourceVersion(db, { document_id: 'forged-doc', source_version_id: svid, manifest_digest: sha('m') });
    const plan = rows('forged', svid, 50);
    // The writer digest covers content_hash, not the text: only the database's hash check sees this.
    const forged = plan.map((r, i) => (i === 37 ? { ...r, text: `${r.text} (altered)` } : r));
    const wd = writerDigest(forged);
    const runId = uuidv7();
    const err = await rejection(writeLegA(db, { runId, documentId: 'forged-doc', sourceVersionId: svid, writerDigest: wd, rows: forged, replanDigest: () => wd, role: ROLE }));
    expect((err as DbConstraintError).sqlstate).toBe('23514');
    expect((err as Error).message).toMatch(/FORGED\/art_38: content_hash does not match the text/);
    expect(await findChangeSet(db, runId, wd)).toBeUndefined();
    const n = await db.query<{ n: string }>("SELECT count(*) AS n FROM cutter.iu WHERE document_id = 'forged-doc'");
    expect(n.rows[0]?.n).toBe('0');
  });

  test('leg A writes texts with tabs, newlines, backslashes, \\N and any Unicode byte-exact', async () => {
    const db = ctx.db();
    const svid = sha('leg a odd texts');
    await registerSourceVersion(db, { document_id: 'odd-doc', source_version_id: svid, manifest_digest: sha('m') });
    const texts = ['a\tb', 'line 1\nline 2\r\nline 3', 'C:\\path\\N', '\\N', '\\.', '\\', '«Ελλάδα» — žádost 𝔘 🇪🇺 \u00a0\u2028', ' leading and trailing ', '"quoted", comma; semicolon'];
    const plan: LegARow[] = texts.map((text, i) => {
      const addr = `ODD/art_${i + 1}`;
      return { canonical_address: addr, unit_kind: 'article', section_type: 'body', parent_address: null, ordinal: i + 1, heading: i % 2 === 0 ? `Heading\t${i}\\` : null, text, content_hash: sha(text), idempotency_key: sha(svid + addr + sha(text)) };
    });
    const wd = writerDigest(plan);
    const a = await writeLegA(db, { runId: uuidv7(), documentId: 'odd-doc', sourceVersionId: svid, writerDigest: wd, rows: plan, replanDigest: () => wd, role: ROLE });
    const back = await readBackIus(db, a.changeSetId);
    expect(back.map((r) => [r.text, r.heading, r.parent_address, r.seq])).toEqual(plan.map((r, i) => [r.text, r.heading, null, i + 1]));
  });

  test('the writer digest computed in SQL over the staged rows is the cutter\'s writerDigest, byte for byte', async () => {
    const db = ctx.db();
    const seg = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,6}$/);
    const tail = fc.stringMatching(/^[a-z0-9_-]{1,6}$/);
    const row = fc.record({ doc: seg, unit: tail, kind: fc.stringMatching(/^[a-z_]{1,8}$/), section: fc.stringMatching(/^[a-z_]{1,8}$/), text: fc.string({ maxLength: 20 }) });
    await fc.assert(
      fc.asyncProperty(fc.array(row, { maxLength: 30 }), async (spec) => {
        // Duplicate addresses included: ties keep document order on both sides.
        const plan: LegARow[] = spec.map((r, i) => {
          const addr = `${r.doc}/${r.unit}`;
          return { canonical_address: addr, unit_kind: r.kind, section_type: r.section, parent_address: null, ordinal: i + 1, heading: null, text: r.text, content_hash: sha(r.text), idempotency_key: sha(`${addr}${i}`) };
        });
        const staged = await db.transaction(async (tx) => {
          await stageLegARows(tx, plan);
          return stagedWriterDigest(tx);
        });
        expect(staged).toEqual({ count: plan.length, digest: writerDigest(plan) });
      }),
      { numRuns: 60 },
    );
  });

  test('LegBRecorder and VerifyRecorder record once and refuse an existing row', async () => {
    const db = ctx.db();
    const svid = sha('rec v1');
    await registerSourceVersion(db, { document_id: 'rec-doc', source_version_id: svid, manifest_digest: sha('m') });
    const runId = uuidv7();
    const recRows = rows('rec', svid, 3);
    const a = await writeLegA(db, { runId, documentId: 'rec-doc', sourceVersionId: svid, writerDigest: writerDigest(recRows), rows: recRows, replanDigest: () => writerDigest(recRows), role: ROLE });
    const env = { change_set_id: a.changeSetId, run_id: runId, manifest_digest: sha('m'), region_sha: sha('r'), writer_digest: writerDigest(recRows), iu_count: 3, envelope: { note: 'x' } };
    const id = await recordLegB(db, env, { role: ROLE });
    expect((await findManifestEnvelope(db, a.changeSetId))?.id).toBe(id);
    const dup = await rejection(recordLegB(db, env, { role: ROLE }));
    expect(dup).toBeInstanceOf(LegBAlreadyRecorded);
    expect((dup as LegBAlreadyRecorded).existingId).toBe(id);
    expect((dup as LegBAlreadyRecorded).existingRunId).toBe(runId);
    // A cross-host race stops with STOP_REPLAY_CONFLICT (exit 20), not as an internal error.
    expect(stopCodeOf(dup)).toBe('STOP_REPLAY_CONFLICT');
    expect(reportError(dup).json).toMatchObject({ code: 'STOP_REPLAY_CONFLICT', exit_code: 20 });
    const vr = { change_set_id: a.changeSetId, run_id: runId, derived_writer_digest: writerDigest(recRows), iu_count: 3, outcome: 'PASS' as const };
    const vid = await recordVerify(db, vr, { role: ROLE });
    const vdup = await rejection(recordVerify(db, vr, { role: ROLE }));
    expect(vdup).toBeInstanceOf(VerifyAlreadyRecorded);
    expect((vdup as VerifyAlreadyRecorded).existingId).toBe(vid);
    expect(stopCodeOf(vdup)).toBe('STOP_REPLAY_CONFLICT');
    expect(reportError(vdup).exitCode).toBe(20);
  });

  test('lifecycle enact puts the new version in force and supersedes the previous one, once', async () => {
    const db = ctx.db();
    const enactVersion = async (label: string) => {
      const svid = sha(`life ${label}`);
      await registerSourceVersion(db, { document_id: 'life-doc', source_version_id: svid, manifest_digest: sha(label) });
      const runId = uuidv7();
      const lifeRows = rows(`life${label}`, svid, 4);
      const a = await writeLegA(db, { runId, documentId: 'life-doc', sourceVersionId: svid, writerDigest: writerDigest(lifeRows), rows: lifeRows, replanDigest: () => writerDigest(lifeRows), role: ROLE });
      const input = { runId, changeSetId: a.changeSetId, documentId: 'life-doc', sourceVersionId: svid, approverFingerprint: FPR, approvalSha256: sha(`approval ${label}`), role: ROLE };
      return { svid, input, result: await enactLifecycle(db, input) };
    };
    const v1 = await enactVersion('one');
    expect(v1.result).toMatchObject({ inForce: 4, superseded: 0, supersededSourceVersion: null, adopted: false });
    const v2 = await enactVersion('two');
    expect(v2.result).toMatchObject({ inForce: 4, superseded: 4, supersededSourceVersion: v1.svid, adopted: false });
    const again = await enactLifecycle(db, v2.input);
    expect(again).toMatchObject({ reviewDecisionId: v2.result.reviewDecisionId, adopted: true });
    const states = await db.query<{ source_version_id: string; lifecycle_state: string; n: string }>(
      "SELECT source_version_id, lifecycle_state, count(*) AS n FROM cutter.iu WHERE document_id = 'life-doc' GROUP BY 1, 2 ORDER BY 2",
    );
    expect(states.rows).toEqual([
      { source_version_id: v2.svid, lifecycle_state: 'in_force', n: '4' },
      { source_version_id: v1.svid, lifecycle_state: 'superseded', n: '4' },
    ]);
    const dump = await dumpDocumentScope(db, 'life-doc');
    expect(dump.counts).toMatchObject({ 'cutter.iu': 8, 'cutter.source_version': 2, 'cutter_governance.review_decision': 2 });
    expect(JSON.parse(JSON.stringify(dump))).toEqual(dump);
  });

  test('the grant probe passes on the migrated schema and fails on an extra privilege', async () => {
    const db = ctx.db();
    const probe = await probeGrants(db, ROLE);
    expect(probe.checks.filter((c) => !c.ok)).toEqual([]);
    expect(probe.ok).toBe(true);
    expect(probe.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect((await probeGrants(db, ROLE)).sha256).toBe(probe.sha256);
    // the report's grid covers every governed and registry table, all as required
    const view = grantProbeView(probe);
    expect(view.matrix.rows.map((r) => r[0])).toEqual([...GOVERNED_TABLES, ...REGISTRY_TABLES]);
    expect(view.matrix.rows.flat().filter((c) => c.startsWith('**'))).toEqual([]);
    expect(view.rows.at(-1)).toMatchObject({ ok: true });
    await db.exec(`GRANT DELETE ON cutter.iu TO ${ROLE}`);
    try {
      const bad = await probeGrants(db, ROLE);
      expect(bad.ok).toBe(false);
      expect(bad.checks.filter((c) => !c.ok).map((c) => c.check)).toEqual(['DELETE on cutter.iu']);
      expect(grantProbeView(bad).matrix.rows.find((r) => r[0] === 'cutter.iu')?.[4]).toBe('**yes (expected no)**');
    } finally {
      await db.exec(`REVOKE DELETE ON cutter.iu FROM ${ROLE}`);
    }
    await db.exec('ALTER TABLE cutter.iu ENABLE REPLICA TRIGGER iu_no_delete');
    try {
      const replicaOnly = await probeGrants(db, ROLE);
      expect(replicaOnly.checks.filter((c) => !c.ok).map((c) => c.check)).toEqual(['guard iu_no_delete on cutter.iu fires']);
    } finally {
      await db.exec('ALTER TABLE cutter.iu ENABLE TRIGGER iu_no_delete');
    }
    expect((await probeGrants(db, 'no_such_role_xyz')).ok).toBe(false);
  });
});
