/**
 * Validates a sidecar (DESIGN §2) and returns errors as data, never throwing (STYLE: changesets
 * `config/src/parse.ts`). The CLI or `readSidecar` turns the issues into an InputError.
 */
import { parseCutContext } from '../../machines/cutContextSchema.js';
import { runView, type RunView } from '../../machines/runView.js';
import { migrateSidecarV1 } from './migrateSidecarV1.js';
import { SidecarSchema, type Sidecar } from './runContextSchema.js';
import { verifyKeyChain, type KeyChainMismatch } from './verifyKeyChain.js';

/** One problem: dotted field path (`snapshot.context.pins.region_sha`, `run_id`, `(root)`) and message. */
export interface SidecarIssue {
  path: string;
  message: string;
}

/** Result of {@link parseSidecar}: the sidecar (schema 2) and its view, or every issue. */
export type ParseSidecarResult = { ok: true; value: Sidecar; view: RunView } | { ok: false; issues: SidecarIssue[] };

/** Options of {@link parseSidecar}. */
export interface ParseSidecarOptions {
  /** Also require the phase keys to chain (reference §4). @default true — pass false for forensic reads. */
  checkKeyChain?: boolean;
}

/**
 * One key-chain mismatch as `<reason> (expected <key | n/a>, found <key | none>)`, the wording shared
 * by `parseSidecar` issues and the `sidecar.key_chain` check of `verify` (reference §4).
 */
export function describeKeyChainMismatch(m: KeyChainMismatch): string {
  return `${m.reason} (expected ${m.expected ?? 'n/a'}, found ${m.found ?? 'none'})`;
}

function snapshotIssues(value: Sidecar): SidecarIssue[] {
  const snap = value.snapshot;
  if (snap === null || snap === undefined) return [];
  if (typeof snap !== 'object' || Array.isArray(snap)) return [{ path: 'snapshot', message: 'must be a persisted machine snapshot or null' }];
  const s = snap as Record<string, unknown>;
  const issues: SidecarIssue[] = [];
  if (s['status'] !== 'active' && s['status'] !== 'done') issues.push({ path: 'snapshot.status', message: 'must be active or done' });
  const parsed = parseCutContext(s['context']);
  if (!parsed.ok) return [...issues, ...parsed.issues.map((i) => ({ path: `snapshot.context.${i.path}`, message: i.message }))];
  if (parsed.context.run_id !== value.run_id) issues.push({ path: 'snapshot.context.run_id', message: `must equal run_id (${value.run_id})` });
  if (parsed.context.document_id !== value.document_id) issues.push({ path: 'snapshot.context.document_id', message: `must equal document_id (${value.document_id})` });
  return issues;
}

/**
 * Parses and validates a sidecar; a schema-1 sidecar (release 0.1.0) is migrated first
 * (`migrateSidecarV1`).
 *
 * @param json - the file's text (a string is JSON-parsed first) or an already parsed value
 * @returns the sidecar and its {@link RunView}, or every schema issue (identity, snapshot context)
 *   and, unless disabled, every key-chain mismatch as an issue at `snapshot.context.keys.<phase>`
 */
export function parseSidecar(json: unknown, options: ParseSidecarOptions = {}): ParseSidecarResult {
  let value: unknown = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json);
    } catch (error) {
      return { ok: false, issues: [{ path: '(root)', message: `not valid JSON: ${(error as Error).message}` }] };
    }
  }
  if (typeof value === 'object' && value !== null && (value as Record<string, unknown>)['schema_version'] === 1) {
    value = migrateSidecarV1(value as Record<string, unknown>);
  }
  const parsed = SidecarSchema.safeParse(value);
  if (!parsed.success) {
    return {
      ok: false,
      issues: parsed.error.issues.map((issue) => ({
        path: issue.path.length === 0 ? '(root)' : issue.path.map(String).join('.'),
        message: issue.message,
      })),
    };
  }
  const sidecar = parsed.data as Sidecar;
  const problems = snapshotIssues(sidecar);
  if (problems.length > 0) return { ok: false, issues: problems };
  const view = runView(sidecar);
  if (options.checkKeyChain ?? true) {
    const mismatches = verifyKeyChain(view);
    if (mismatches.length > 0) {
      return {
        ok: false,
        issues: mismatches.map((m) => ({
          path: `snapshot.context.keys.${m.phase}`,
          message: `key chain broken: ${describeKeyChainMismatch(m)}`,
        })),
      };
    }
  }
  return { ok: true, value: sidecar, view };
}
