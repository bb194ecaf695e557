/**
 * Grant probe (DESIGN §4 phase 5): proves the role the writes run as holds exactly the privileges
 * the writes need, and that the append-only and lifecycle guards exist.
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { Queryable } from '../db/Database.js';

/** One probed fact: what it should be and what the live database says. */
export interface GrantCheck {
  check: string;
  expected: boolean | number;
  observed: boolean | number;
  ok: boolean;
}

/** The probe's result; `sha256` is over the RFC 8785 JSON of `{ role, checks }` (the grant_probe_sha pin). */
export interface GrantProbe {
  role: string;
  ok: boolean;
  checks: GrantCheck[];
  sha256: string;
}

/** Every table the orchestrator writes (DESIGN §9), in schema order. */
export const GOVERNED_TABLES = [
  'cutter.source_version',
  'cutter.iu',
  'cutter_governance.cut_change_set',
  'cutter_governance.manifest_envelope',
  'cutter_governance.verify_result',
  'cutter_governance.review_decision',
  'cutter_governance.change_set_void',
] as const;

/** The run registry's tables (sql/deploy/009, DESIGN §9): written as the role too, append-only. */
export const REGISTRY_TABLES = ['cutter_governance.run', 'cutter_governance.run_snapshot', 'cutter_governance.run_backup'] as const;

const FUNCTIONS = [
  'cutter.fn_iu_create(uuid,text,text,text,integer,text,text,text,integer,text,text,text,text)',
  'cutter.fn_iu_create_set(uuid,text,text,text[],integer[],text[],text[],text[],integer[],text[],text[],text[],text[])',
];

/** Guard triggers the probe requires, each on its table (sql/deploy/003, 005, 007, 009). */
const GUARD_TRIGGERS: readonly [string, string][] = [
  ['cutter.iu', 'iu_guard_insert'],
  ['cutter.iu', 'iu_guard_update'],
  ['cutter.iu', 'iu_no_delete'],
  ['cutter.iu', 'iu_no_truncate'],
  ['cutter.source_version', 'source_version_append_only'],
  ['cutter.source_version', 'source_version_no_truncate'],
  ...['cut_change_set', 'manifest_envelope', 'verify_result', 'review_decision', 'change_set_void'].flatMap((t): [string, string][] => [
    [`cutter_governance.${t}`, `${t}_append_only`],
    [`cutter_governance.${t}`, `${t}_no_truncate`],
  ]),
  ...['run', 'run_snapshot', 'run_backup'].flatMap((t): [string, string][] => [
    [`cutter_governance.${t}`, `${t}_append_only`],
    [`cutter_governance.${t}`, `${t}_no_truncate`],
  ]),
  ['cutter_governance.run_snapshot', 'run_snapshot_next_version'],
];

/**
 * Probes `role`'s privileges. Never throws for a missing privilege: a wrong one is a failed check.
 * @throws DbQueryError when the role does not exist.
 */
export async function probeGrants(db: Queryable, role: string): Promise<GrantProbe> {
  const checks: GrantCheck[] = [];
  const add = (check: string, expected: boolean | number, observed: boolean | number): void => {
    checks.push({ check, expected, observed, ok: expected === observed });
  };
  const one = async (sql: string, params: unknown[]): Promise<boolean> => (await db.query<{ v: boolean }>(sql, params)).rows[0]?.v === true;

  const roleRow = await db.query<{ rolsuper: boolean; rolbypassrls: boolean }>('SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = $1', [role]);
  add(`role ${role} exists`, true, roleRow.rows.length === 1);
  add(`role ${role} is not a superuser`, false, roleRow.rows[0]?.rolsuper ?? true);
  if (roleRow.rows.length === 1) {
    for (const t of [...GOVERNED_TABLES, ...REGISTRY_TABLES]) {
      for (const priv of ['SELECT', 'INSERT']) add(`${priv} on ${t}`, true, await one('SELECT has_table_privilege($1, $2, $3) AS v', [role, t, priv]));
      // Privilege names are case-insensitive in has_table_privilege; labels are upper case.
      for (const priv of ['update', 'delete', 'truncate']) add(`${priv.toUpperCase()} on ${t}`, false, await one('SELECT has_table_privilege($1, $2, $3) AS v', [role, t, priv]));
    }
    add('UPDATE of cutter.iu.lifecycle_state', true, await one("SELECT has_column_privilege($1, 'cutter.iu', 'lifecycle_state', 'UPDATE') AS v", [role]));
    add('UPDATE of cutter.iu.text', false, await one("SELECT has_column_privilege($1, 'cutter.iu', 'text', 'UPDATE') AS v", [role]));
    for (const f of FUNCTIONS) add(`EXECUTE on ${f.slice(0, f.indexOf('('))}`, true, await one("SELECT has_function_privilege($1, $2, 'EXECUTE') AS v", [role, f]));
  }
  // Each guard by name on its own table, and firing in ordinary sessions (not disabled, not REPLICA-only).
  for (const [table, trigger] of GUARD_TRIGGERS) {
    add(`guard ${trigger} on ${table} fires`, true, await one(
      "SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = to_regclass($1) AND tgname = $2 AND NOT tgisinternal AND tgenabled IN ('O', 'A')) AS v",
      [table, trigger],
    ));
  }
  const sha256 = createHash('sha256').update(canonicalize({ role, checks }) ?? '', 'utf8').digest('hex');
  return { role, ok: checks.every((c) => c.ok), checks, sha256 };
}

// Written in lower case as in the probe above (the labels are upper-cased when built).
const TABLE_PRIVILEGES = ['select', 'insert', 'update', 'delete', 'truncate'].map((p) => p.toUpperCase());
const PRIVILEGE_CHECK = new RegExp(`^(${TABLE_PRIVILEGES.join('|')}) on (\\S+)$`);

/**
 * The probe as a person reads it (issue 12): table privileges and guard triggers as a grid of
 * tables × privileges (each cell the observed value, marked when it is not the expected one), the
 * other checks (role, column privileges, functions) as rows. Presentation only: `grant_probe_sha`
 * stays the digest of {@link GrantProbe.checks}.
 *
 * @returns `rows`: checks outside the grid, plus one row counting the grid's checks as expected;
 *   `matrix`: header `table`, the five table privileges of the probe, `guards firing`
 */
export function grantProbeView(probe: GrantProbe): {
  rows: GrantCheck[];
  matrix: { header: string[]; rows: string[][] };
} {
  const privileges = new Map<string, Map<string, GrantCheck>>();
  const guards = new Map<string, GrantCheck[]>();
  const rows: GrantCheck[] = [];
  let inGrid = 0;
  let asExpected = 0;
  for (const c of probe.checks) {
    const priv = PRIVILEGE_CHECK.exec(c.check);
    const guard = /^guard (\S+) on (\S+) fires$/.exec(c.check);
    if (priv !== null) {
      const table = priv[2] as string;
      (privileges.get(table) ?? privileges.set(table, new Map()).get(table)!).set(priv[1] as string, c);
    } else if (guard !== null) {
      const table = guard[2] as string;
      (guards.get(table) ?? guards.set(table, []).get(table)!).push(c);
    } else {
      rows.push(c);
      continue;
    }
    inGrid++;
    if (c.ok) asExpected++;
  }
  const cell = (c: GrantCheck | undefined): string => {
    if (c === undefined) return '-';
    const said = (v: boolean | number): string => (typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v));
    return c.ok ? said(c.observed) : `**${said(c.observed)} (expected ${said(c.expected)})**`;
  };
  const tables = [...new Set([...privileges.keys(), ...guards.keys()])];
  const matrix = {
    header: ['table', ...TABLE_PRIVILEGES, 'guards firing'],
    rows: tables.map((t) => {
      const g = guards.get(t) ?? [];
      const missing = g.filter((c) => !c.ok).map((c) => /^guard (\S+)/.exec(c.check)?.[1] ?? c.check);
      const guardCell = g.length === 0 ? '-' : missing.length === 0 ? `${g.length} of ${g.length}` : `**${g.length - missing.length} of ${g.length}: ${missing.join(', ')} missing**`;
      return [t, ...TABLE_PRIVILEGES.map((p) => cell(privileges.get(t)?.get(p))), guardCell];
    }),
  };
  rows.push({ check: 'table privileges and guards as required (grid below)', expected: inGrid, observed: asExpected, ok: inGrid === asExpected });
  return { rows, matrix };
}
