/**
 * `orchestrate runs` (issue 5, reference §9, issue 9): the auditor's view of every run, read from
 * the KB — the runs-index (one line per run after closeout) and, for runs not closed out, their
 * committed run folders — not from local sidecars, so it shows the runs of every host that shares
 * the KB remote, in any clone of it.
 */
import type { Config } from '../config/configSchema.js';
import { InputError } from '../errors.js';
import type { KbStore } from '../kb/KbStore.js';
import { openKb } from '../kb/openKb.js';
import { redactCredentials } from '../kb/redactCredentials.js';
import { LAW_ID_PATTERN } from '../kb/runFolder.js';
import { RUNS_INDEX_PATH, parseRunsIndex, type RunsIndexRecord } from '../kb/runsIndex.js';
import { listRunFolders, type KbRunFolder } from '../kb/findRunFolder.js';
import { assertWorkspace } from '../orchestrator/preflight.js';

/** Options of {@link runs}. */
export interface RunsOptions {
  config: Config;
  /** Only runs of this law-id. */
  documentId?: string;
  /** Only runs in this state (case-insensitive, e.g. `done`). */
  state?: string;
  /** KB to read instead of opening `config.kbDir` (tests). */
  kb?: KbStore;
}

/** One runs-index line in `runs --json` (snake_case like every JSON output; issue 12). */
export interface RunsEntryJson {
  /** 1-based line number in the runs-index. */
  line: number;
  run_id: string;
  document_id: string;
  /** First 16 hex digits of the source version id. */
  source_version_short: string;
  state: string;
  kb_folder: string;
  change_set_id: string | null;
  review_decision_id: string | null;
  actor: string;
  /** ISO 8601, minute precision: `2026-05-20T14:32Z`. */
  closeout_utc: string;
}

/** The JSON form of a parsed runs-index record. */
export function runsEntryJson(e: RunsIndexRecord): RunsEntryJson {
  return {
    line: e.line, run_id: e.runId, document_id: e.documentId, source_version_short: e.sourceVersionShort, state: e.state,
    kb_folder: e.folder, change_set_id: e.changeSetId ?? null, review_decision_id: e.reviewDecisionId ?? null, actor: e.actor, closeout_utc: e.closeoutUtc,
  };
}

/** JSON result of {@link runs}. `total` counts every parsed entry before filtering. */
export interface RunsJson {
  path: string;
  entries: RunsEntryJson[];
  /** Entry-like lines that did not parse (never fatal). */
  issues: { line: number; message: string }[];
  total: number;
  /** Runs not in the runs-index, as their committed run folders show them (awaiting a gate, in flight, voided). */
  not_closed_out: KbRunFolder[];
  filter: { document_id: string | null; state: string | null };
  /** E.g. the remote could not be reached and the local copy was read. */
  warnings: string[];
}

/**
 * Reads {@link RUNS_INDEX_PATH} as committed in the KB (after syncing with the remote when one is
 * configured), parses it and filters it. A missing index is an empty list.
 *
 * @returns `json` ({@link RunsJson}) and a table (one row per run, then the issues)
 * @throws InputError when `documentId` is not a law-id slug
 */
export async function runs(options: RunsOptions): Promise<{ json: RunsJson; text: string }> {
  const { documentId, state } = options;
  if (documentId !== undefined && !LAW_ID_PATTERN.test(documentId)) {
    throw new InputError(`"${documentId}" is not a law-id (lowercase slug such as us-const)`, { field: 'document-id' });
  }
  if (options.kb === undefined) assertWorkspace(options.config);
  const kb = options.kb ?? (await openKb({ dir: options.config.kbDir, retry: { minTimeout: options.config.kbRetryMinMs } }));
  const warnings: string[] = [];
  if (kb.hasRemote) {
    await kb.sync().catch((error: unknown) => {
      const why = redactCredentials(error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
      warnings.push(`could not sync with the KB remote (${why}); showing the local copy`);
    });
  }
  const text = (await kb.exists(RUNS_INDEX_PATH)) ? Buffer.from(await kb.read(RUNS_INDEX_PATH)).toString('utf8') : '';
  const parsed = parseRunsIndex(text);
  const wantState = state?.trim().toLowerCase();
  const entries = parsed.entries
    .filter((e) => documentId === undefined || e.documentId === documentId)
    .filter((e) => wantState === undefined || e.state.toLowerCase() === wantState);
  const indexed = new Set(parsed.entries.map((e) => e.runId));
  const open = (await listRunFolders(kb, documentId))
    .filter((f) => !indexed.has(f.run_id))
    .filter((f) => wantState === undefined || f.state === wantState);
  const json: RunsJson = {
    path: RUNS_INDEX_PATH,
    entries: entries.map(runsEntryJson),
    issues: parsed.issues,
    total: parsed.entries.length,
    not_closed_out: open,
    filter: { document_id: documentId ?? null, state: state ?? null },
    warnings,
  };
  const header = ['RUN', 'DOCUMENT', 'SOURCE', 'STATE', 'CHANGE SET', 'CLOSEOUT', 'ACTOR'];
  const cells = entries.map((e) => [e.runId, e.documentId, e.sourceVersionShort, e.state, e.changeSetId ?? '-', e.closeoutUtc, e.actor]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const row = (c: readonly string[]): string => c.map((v, i) => v.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  const openHeader = ['RUN', 'DOCUMENT', 'STATE', 'LAST DOCUMENT', 'FOLDER'];
  const openCells = open.map((f) => [f.run_id, f.document_id, f.state, `${f.last_step} (${f.documents} of 13)`, f.kb_folder]);
  const openWidths = openHeader.map((h, i) => Math.max(h.length, ...openCells.map((c) => (c[i] ?? '').length)));
  const openRow = (c: readonly string[]): string => c.map((v, i) => v.padEnd(openWidths[i] ?? 0)).join('  ').trimEnd();
  const lines = [
    ...warnings.map((w) => `warning: ${w}`),
    ...(entries.length === 0 ? [text === '' ? `no runs-index yet (${RUNS_INDEX_PATH})` : 'no closed-out run matches'] : [row(header), ...cells.map(row)]),
    ...parsed.issues.map((i) => `issue: ${RUNS_INDEX_PATH}:${i.line}: ${i.message}`),
    ...(open.length === 0 ? [] : ['', `not closed out (from the committed run folders; running or stopped: orchestrate status --run-id <id> with DATABASE_URL tells, from the run registry):`, openRow(openHeader), ...openCells.map(openRow)]),
  ];
  return { json, text: lines.join('\n') };
}
