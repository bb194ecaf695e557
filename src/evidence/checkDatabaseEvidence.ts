/**
 * Database evidence (DESIGN §4 phases 1, 6, 8–10; §5 layers 2–3): the rows the run pinned exist,
 * agree with the pins and with each other, the change set is not voided, its IU rows are the
 * plan's (count, each text's sha256, the writer digest re-derived from them). SELECT only, through
 * the `src/ledger` finders. The IU rows are either read back and checked in TS (`verify` mode:
 * later checks need them) or checked by one server-side aggregate (`gate` mode, issue 11): the
 * same checks with the same names, values and details.
 */
import { createHash } from 'node:crypto';
import { writerDigest } from '../cutter/writerDigest.js';
import type { Queryable } from '../db/Database.js';
import { findChangeSet, findReviewDecision, findSourceVersionRow, type ChangeSetRow } from '../ledger/findRunRows.js';
import { findManifestEnvelope } from '../ledger/LegBRecorder.js';
import { aggregateIuRows, BAD_HASH_SAMPLE } from '../ledger/iuRowsDigest.js';
import { readBackIus, type StoredIu } from '../ledger/readBackIus.js';
import { findVerifyResult } from '../ledger/VerifyRecorder.js';
import { findChangeSetVoid } from '../void/recordChangeSetVoid.js';
import type { PinName } from '../../machines/types.js';
import { compare, fromProblems, same, show, skipped, type Check } from './Check.js';
import type { EvidenceOptions, EvidenceRun } from './EvidenceRun.js';

/** The DB rows, and the run's IUs in `seq` order (when its change set was read) for later checks. */
export interface DatabaseEvidence {
  checks: Check[];
  ius?: StoredIu[];
}

/**
 * How the IU rows are checked: `verify` reads every row back and derives in TS (and returns the
 * rows); `gate` asks the database for one aggregate (`aggregateIuRows`), returns no rows, and issues the
 * independent reads together (a pooled engine overlaps them).
 */
export type IuRowsMode = 'gate' | 'verify';

/** Options of the checker: the DB error policy and how the IU rows are checked (default `verify`). */
export interface CheckerOptions extends EvidenceOptions {
  mode?: IuRowsMode;
}

/** What the checks know of the change set's IU rows, read once and shared by the checks that need them. */
interface ChangeSetRows {
  row: ChangeSetRow | undefined;
  /** Number of `cutter.iu` rows of the change set. */
  count: number;
  /** The writer digest re-derived from the stored rows. */
  writerDigest: string;
  /** Rows whose sha256(text) is not their content_hash: how many, and the first few addresses in `seq` order. */
  badHashCount: number;
  badHashSample: string[];
  /** The rows themselves (`verify` mode only). */
  ius?: StoredIu[];
}

/** A check that needs the database: its name, what it expects, and how it reads. */
interface DbCheck {
  check: string;
  expected: string;
  read(db: Queryable, cs: () => Promise<ChangeSetRows | undefined>): Promise<Check>;
}

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** A failing row for a pin a complete run must have. */
function unpinned(check: string, pin: PinName): Check {
  return { check, ok: false, expected: `${pin} pinned`, observed: '(none)', detail: `${pin} is not pinned in a complete run` };
}

/** The checks that apply to `run` (pins set), in report order. */
function dbChecks(run: EvidenceRun, plannedCount: number | undefined): (DbCheck | Check)[] {
  const p = run.pins;
  const list: (DbCheck | Check)[] = [];
  const csid = p.change_set_id;
  const noChangeSet = (check: string): Check => ({ check, ok: false, expected: 'a pinned change set', observed: '(none)', detail: 'no change_set_id is pinned' });

  if (p.manifest_digest !== undefined) {
    list.push({
      check: 'db.source_version',
      expected: p.manifest_digest,
      read: async (db) => {
        const sv = await findSourceVersionRow(db, run.law_id, run.source_version_id);
        return compare('db.source_version', p.manifest_digest, sv?.manifest_digest, sv === undefined ? 'the source version is not registered' : 'the source version is registered with another manifest digest');
      },
    });
  } else if (run.complete === true) list.push(unpinned('db.source_version', 'manifest_digest'));

  if (csid === undefined) {
    if (run.complete === true) list.push(unpinned('db.change_set', 'change_set_id'));
  } else {
    const voidExpected = run.voided === true ? 'voided' : 'not voided';
    list.push({
      check: 'db.change_set_void',
      expected: voidExpected,
      read: async (db) => {
        const v = await findChangeSetVoid(db, csid);
        const problems = (v !== undefined) === (run.voided === true) ? []
          : [v === undefined ? 'the run is voided but its change set has no change_set_void row' : 'change set voided by a sovereign (cutter_governance.change_set_void)'];
        return fromProblems('db.change_set_void', problems, voidExpected, v === undefined ? 'not voided' : `voided (${v.id})`);
      },
    });
    const csExpected = `change set ${csid}${plannedCount === undefined ? '' : ` with ${plannedCount} IU rows`}`;
    list.push({
      check: 'db.change_set',
      expected: csExpected,
      read: async (_db, rows) => {
        const cs = await rows();
        const count = cs?.count ?? 0;
        const problems: string[] = [];
        if (cs?.row === undefined) problems.push(`no cut_change_set row ${csid}`);
        else {
          same(problems, 'run_id', run.run_id, cs.row.run_id);
          same(problems, 'document_id', run.law_id, cs.row.document_id);
          same(problems, 'source_version_id', run.source_version_id, cs.row.source_version_id);
          same(problems, 'writer_digest', p.writer_digest, cs.row.writer_digest);
          same(problems, 'iu_count = number of cutter.iu rows', cs.row.iu_count, count);
        }
        if (plannedCount !== undefined) same(problems, 'number of cutter.iu rows = IUs of the re-derived plan', plannedCount, count);
        return fromProblems('db.change_set', problems, csExpected, `${count} IU rows`);
      },
    });
    list.push({
      check: 'db.writer_digest',
      expected: show(p.writer_digest),
      read: async (_db, rows) => {
        const derived = (await rows())?.writerDigest ?? writerDigest([]);
        return compare('db.writer_digest', p.writer_digest, derived, 'the writer digest re-derived from the stored IU rows is not the pinned one');
      },
    });
    list.push({
      check: 'db.iu_content_hash',
      expected: 'sha256(text) = content_hash for every IU',
      read: async (_db, rows) => {
        const cs = await rows();
        const count = cs?.count ?? 0;
        const bad = cs?.badHashCount ?? 0;
        const sample = cs?.badHashSample ?? [];
        const named = `${sample.join(', ')}${bad > sample.length ? ', …' : ''}`;
        return fromProblems('db.iu_content_hash', bad === 0 ? [] : [`${bad} IU text(s) do not hash to their content_hash: ${named}`],
          `${count} IUs with sha256(text) = content_hash`, `${count - bad} match`);
      },
    });
  }

  const row = (check: string, pin: 'manifest_envelope_id' | 'verify_result_id' | 'review_decision_id', expected: string, read: DbCheck['read']): void => {
    if (p[pin] === undefined) {
      if (run.complete === true) list.push(unpinned(check, pin));
    } else if (csid === undefined) list.push(noChangeSet(check));
    else list.push({ check, expected, read });
  };
  row('db.manifest_envelope', 'manifest_envelope_id', `envelope ${show(p.manifest_envelope_id)}`, async (db, rows) => {
    const env = await findManifestEnvelope(db, csid ?? '');
    const problems: string[] = [];
    if (env === undefined) problems.push(`no manifest_envelope row for change set ${show(csid)}`);
    else {
      same(problems, 'id', p.manifest_envelope_id, env.id);
      same(problems, 'run_id', run.run_id, env.run_id);
      same(problems, 'manifest_digest', p.manifest_digest, env.manifest_digest);
      same(problems, 'region_sha', p.region_sha, env.region_sha);
      same(problems, 'writer_digest', p.writer_digest, env.writer_digest);
      same(problems, 'iu_count', (await rows())?.count, Number(env.iu_count));
    }
    return fromProblems('db.manifest_envelope', problems, `envelope ${show(p.manifest_envelope_id)}`, env === undefined ? '(none)' : `envelope ${env.id}`);
  });
  row('db.verify_result', 'verify_result_id', `PASS with ${show(p.writer_digest)}`, async (db) => {
    const vr = await findVerifyResult(db, csid ?? '');
    const problems: string[] = [];
    if (vr === undefined) problems.push(`no verify_result row for change set ${show(csid)}`);
    else {
      same(problems, 'id', p.verify_result_id, vr.id);
      same(problems, 'run_id', run.run_id, vr.run_id);
      same(problems, 'outcome', 'PASS', vr.outcome);
      same(problems, 'derived_writer_digest', p.writer_digest, vr.derived_writer_digest);
    }
    return fromProblems('db.verify_result', problems, `PASS with ${show(p.writer_digest)}`, vr === undefined ? '(none)' : `${vr.outcome} with ${vr.derived_writer_digest}`);
  });
  const sg2 = run.sg2_approval;
  const approval = `approval ${show(sg2?.sha256)} by ${show(sg2?.signer_fingerprint.toUpperCase())}`;
  row('db.review_decision', 'review_decision_id', approval, async (db) => {
    const rd = await findReviewDecision(db, csid ?? '');
    const problems: string[] = [];
    if (rd === undefined) problems.push(`no review_decision row for change set ${show(csid)}`);
    else {
      same(problems, 'id', p.review_decision_id, rd.id);
      same(problems, 'run_id', run.run_id, rd.run_id);
      same(problems, 'approval_sha256 (the accepted SG2 approval file)', sg2?.sha256, rd.approval_sha256);
      same(problems, 'approver_fingerprint', sg2?.signer_fingerprint.toUpperCase(), rd.approver_fingerprint);
    }
    return fromProblems('db.review_decision', problems, approval, rd === undefined ? '(none)' : `approval ${rd.approval_sha256} by ${rd.approver_fingerprint}`);
  });
  return list;
}

/** `verify` mode: every IU row read back, derived in TS. */
async function readRows(db: Queryable, changeSetId: string): Promise<ChangeSetRows> {
  const row = await findChangeSet(db, changeSetId);
  const ius = await readBackIus(db, changeSetId);
  const bad = ius.filter((u) => sha256(u.text) !== u.content_hash).map((u) => u.canonical_address);
  return { row, count: ius.length, writerDigest: writerDigest(ius), badHashCount: bad.length, badHashSample: bad.slice(0, BAD_HASH_SAMPLE), ius };
}

/** `gate` mode: the change set row and one server-side aggregate over its IU rows. */
async function aggregatedRows(db: Queryable, changeSetId: string): Promise<ChangeSetRows> {
  const row = await findChangeSet(db, changeSetId);
  const agg = await aggregateIuRows(db, changeSetId);
  return { row, count: agg.iuCount, writerDigest: agg.writerDigest, badHashCount: agg.badHashCount, badHashSample: agg.badHashAddresses };
}

/**
 * @param plannedCount - IUs of the plan re-derived from the run's source (compared with the IU rows), when known
 * @param db - undefined: every applicable check is returned skipped
 * @param options - `mode: 'gate'` checks the IU rows with one server-side aggregate and returns no
 *   `ius` (the internal gate); `verify` (default) reads them back and returns them
 * @returns `db.source_version`, `db.change_set_void`, `db.change_set`, `db.writer_digest`,
 *   `db.iu_content_hash`, `db.manifest_envelope`, `db.verify_result`, `db.review_decision`, each
 *   once its pin is set (a complete run fails on a missing pin); with `dbErrors: 'report'` a failing
 *   query gives the single failed row `db.read`
 * @throws the driver's error on a failing query (unless `dbErrors: 'report'`)
 */
export async function checkDatabaseEvidence(run: EvidenceRun, db: Queryable | undefined, plannedCount: number | undefined, options: CheckerOptions = {}): Promise<DatabaseEvidence> {
  const list = dbChecks(run, plannedCount);
  if (db === undefined) return { checks: list.map((c) => ('read' in c ? skipped(c.check, c.expected, 'no database given') : c)) };
  let cached: Promise<ChangeSetRows | undefined> | undefined;
  const csid = run.pins.change_set_id;
  const mode = options.mode ?? 'verify';
  const rows = (): Promise<ChangeSetRows | undefined> =>
    (cached ??= csid === undefined ? Promise.resolve(undefined) : mode === 'gate' ? aggregatedRows(db, csid) : readRows(db, csid));
  try {
    const checks: Check[] = [];
    if (mode === 'gate') {
      // The reads are independent: issued together they overlap on a pooled engine (PostgreSQL;
      // PGlite runs them one after the other). The rows keep the list's order.
      checks.push(...await Promise.all(list.map((c) => ('read' in c ? c.read(db, rows) : c))));
    } else {
      for (const c of list) checks.push('read' in c ? await c.read(db, rows) : c);
    }
    const read = await rows();
    return read?.ius === undefined ? { checks } : { checks, ius: read.ius };
  } catch (error) {
    if (options.dbErrors !== 'report') throw error;
    return { checks: [{ check: 'db.read', ok: false, expected: 'the run\'s rows readable', observed: '(query failed)', detail: `cannot read the run's rows: ${(error as Error).message}` }] };
  }
}
