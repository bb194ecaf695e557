/**
 * Database checks of `verify` (DESIGN §4 phases 1, 6, 8–10; §5 layers 2–3): the governance rows the
 * run pinned exist, agree with each other and with the pins, and the writer digest re-derived from
 * the stored IU rows is the pinned one. Reads only (SELECT).
 */
import { createHash } from 'node:crypto';
import { writerDigest } from '../cutter/writerDigest.js';
import type { Queryable } from '../db/Database.js';
import { readBackIus, type StoredIu } from '../ledger/readBackIus.js';
import type { RunView } from '../../machines/runView.js';
import { checkLifecycle } from './checkLifecycle.js';
import { compareCheck, problemsCheck, show, type VerifyCheck } from './VerifyCheck.js';

/** The DB rows, and the run's IUs in `seq` order (empty before cut_leg_a) for the lossless check. */
export interface DatabaseChecks {
  checks: VerifyCheck[];
  ius: StoredIu[];
}

async function one<T>(db: Queryable, sql: string, params: unknown[]): Promise<T | undefined> {
  return (await db.query<T>(sql, params)).rows[0];
}

/** Pushes "field: expected X, found Y" when they differ. */
function same(problems: string[], field: string, expected: unknown, found: unknown): void {
  if (expected !== found) problems.push(`${field}: expected ${show(expected)}, found ${show(found)}`);
}

/**
 * @returns `db.source_version`, `db.change_set`, `db.writer_digest`, `db.iu_content_hash`,
 *   `db.manifest_envelope`, `db.verify_result`, `db.review_decision` and `db.lifecycle`, each only
 *   once the run pinned what it checks
 */
export async function checkDatabase(db: Queryable, ctx: RunView): Promise<DatabaseChecks> {
  const pins = ctx.pins;
  const checks: VerifyCheck[] = [];
  if (pins.manifest_digest != null) {
    const sv = await one<{ manifest_digest: string }>(db, 'SELECT manifest_digest FROM cutter.source_version WHERE document_id = $1 AND source_version_id = $2', [ctx.document_id, ctx.source_version_id]);
    checks.push(compareCheck('db.source_version', pins.manifest_digest, sv?.manifest_digest, sv === undefined ? 'the source version is not registered' : undefined));
  }
  const csid = pins.change_set_id ?? undefined;
  if (csid === undefined) return { checks, ius: [] };

  const cs = await one<{ run_id: string; document_id: string; source_version_id: string; writer_digest: string; iu_count: number }>(
    db, 'SELECT run_id, document_id, source_version_id, writer_digest, iu_count FROM cutter_governance.cut_change_set WHERE change_set_id = $1', [csid]);
  const ius = await readBackIus(db, csid);
  const csProblems: string[] = [];
  if (cs === undefined) csProblems.push(`no cut_change_set row ${csid}`);
  else {
    same(csProblems, 'run_id', ctx.run_id, cs.run_id);
    same(csProblems, 'document_id', ctx.document_id, cs.document_id);
    same(csProblems, 'source_version_id', ctx.source_version_id, cs.source_version_id);
    same(csProblems, 'writer_digest', pins.writer_digest, cs.writer_digest);
    same(csProblems, 'iu_count = number of cutter.iu rows', Number(cs.iu_count), ius.length);
  }
  checks.push(problemsCheck('db.change_set', csProblems, { expected: `change set ${csid}`, observed: `${ius.length} IU rows` }));

  const env = pins.manifest_envelope_id == null ? undefined
    : await one<{ change_set_id: string; manifest_digest: string; region_sha: string; writer_digest: string; iu_count: number }>(
      db, 'SELECT change_set_id, manifest_digest, region_sha, writer_digest, iu_count FROM cutter_governance.manifest_envelope WHERE id = $1', [pins.manifest_envelope_id]);
  const derived = writerDigest(ius);
  const wdProblems: string[] = [];
  same(wdProblems, 'derived from the IU rows vs context_pins.writer_digest', pins.writer_digest, derived);
  if (env !== undefined) same(wdProblems, 'manifest_envelope.writer_digest', pins.writer_digest, env.writer_digest);
  checks.push(problemsCheck('db.writer_digest', wdProblems, { expected: show(pins.writer_digest), observed: derived }));

  const badHash = ius.filter((u) => createHash('sha256').update(u.text, 'utf8').digest('hex') !== u.content_hash);
  checks.push(problemsCheck('db.iu_content_hash', badHash.length === 0 ? [] : [`${badHash.length} IU text(s) do not hash to their content_hash: ${badHash.slice(0, 5).map((u) => u.canonical_address).join(', ')}${badHash.length > 5 ? ', …' : ''}`], {
    expected: `${ius.length} IUs with sha256(text) = content_hash`,
    observed: `${ius.length - badHash.length} match`,
  }));

  if (pins.manifest_envelope_id != null) {
    const p: string[] = [];
    if (env === undefined) p.push(`no manifest_envelope row ${pins.manifest_envelope_id}`);
    else {
      same(p, 'change_set_id', csid, env.change_set_id);
      same(p, 'manifest_digest', pins.manifest_digest, env.manifest_digest);
      same(p, 'region_sha', pins.region_sha, env.region_sha);
      same(p, 'iu_count', ius.length, Number(env.iu_count));
    }
    checks.push(problemsCheck('db.manifest_envelope', p, { expected: `envelope ${pins.manifest_envelope_id}` }));
  }
  if (pins.verify_result_id != null) {
    const vr = await one<{ change_set_id: string; derived_writer_digest: string; outcome: string }>(
      db, 'SELECT change_set_id, derived_writer_digest, outcome FROM cutter_governance.verify_result WHERE id = $1', [pins.verify_result_id]);
    const p: string[] = [];
    if (vr === undefined) p.push(`no verify_result row ${pins.verify_result_id}`);
    else {
      same(p, 'change_set_id', csid, vr.change_set_id);
      same(p, 'outcome', 'PASS', vr.outcome);
      same(p, 'derived_writer_digest', pins.writer_digest, vr.derived_writer_digest);
    }
    checks.push(problemsCheck('db.verify_result', p, { expected: `PASS with ${show(pins.writer_digest)}`, observed: vr === undefined ? '(none)' : `${vr.outcome} with ${vr.derived_writer_digest}` }));
  }
  if (pins.review_decision_id != null) {
    const rd = await one<{ change_set_id: string; run_id: string; approval_sha256: string; approver_fingerprint: string }>(
      db, 'SELECT change_set_id, run_id, approval_sha256, approver_fingerprint FROM cutter_governance.review_decision WHERE id = $1', [pins.review_decision_id]);
    const sg2 = ctx.approvals.SG2.accepted;
    const p: string[] = [];
    if (rd === undefined) p.push(`no review_decision row ${pins.review_decision_id}`);
    else {
      same(p, 'change_set_id', csid, rd.change_set_id);
      same(p, 'run_id', ctx.run_id, rd.run_id);
      same(p, 'approval_sha256 (the accepted SG2 approval file)', sg2?.sha256, rd.approval_sha256);
      same(p, 'approver_fingerprint', sg2?.signer_fingerprint.toUpperCase(), rd.approver_fingerprint);
    }
    checks.push(problemsCheck('db.review_decision', p, { expected: `approval ${show(sg2?.sha256)} by ${show(sg2?.signer_fingerprint.toUpperCase())}` }));
  }
  checks.push(await checkLifecycle(db, ctx, ius));
  return { checks, ius };
}
