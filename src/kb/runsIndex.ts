/**
 * The runs-index line of reference §9 (DESIGN §3): one line per run, at most 200 characters, in
 * `knowledge/dev/laws/_orchestrator-runs-index/v0.6-runs.md`:
 *
 * ``- `<run_id>` · `<document_id>` · `<source_version_id>` · `<state>` · `<KB folder path>` · `<change_set_id>` · `<lifecycle_review_decision_id>` · `<actor>` · `<closeout_utc>` ``
 *
 * ## The 200-character budget (choice made here, documented for auditors)
 * The frame alone (list marker, 18 backticks, 8 separators) is 44 characters, and three UUIDs
 * in canonical form (3 × 36) plus a full sha256 (64) are 152 more: the literal format cannot fit.
 * So each field is written in its shortest *lossless or canonical* form:
 * - `run_id`, `change_set_id`, `lifecycle_review_decision_id`: the UUID as 32 lowercase hex digits
 *   (hyphens dropped — the same 128 bits, accepted as-is by PostgreSQL's `uuid` input);
 *   {@link parseRunsIndex} gives them back hyphenated. Never truncated. Absent → `-`.
 * - `source_version_id`: the DESIGN §2 short form, first 16 hex (the folder name uses it too).
 * - `document_id`: the law-id, verbatim. Never truncated.
 * - KB folder path: only the part that is not derivable, the run slug's `<YYYYMMDD>[-<HHMM>]`; the
 *   full path is `knowledge/dev/laws/<document_id>/v<source short>-automation-cut-<that>`, which
 *   {@link parseRunsIndex} rebuilds.
 * - `closeout_utc`: ISO 8601 basic format to the minute, `YYYYMMDDTHHMMZ`.
 * - `state` and `actor` are free text and take what is left: `actor` is shortened first, then
 *   `state`, each ending in `…` when cut and keeping at least one character.
 * A document_id so long that not even one character of state and actor fits is refused.
 * Even so the budget is tight: with law-id `us-const` and folder `20260520-1432`, state and actor
 * share 9 characters (e.g. `done` + `alice`); with folder `20260520`, 14. Callers should use short
 * states (`done`, `replayed`); the actor is also the KB commit's author, so nothing is lost for good.
 */
import { InputError } from '../errors.js';
import { LAWS_ROOT, LAW_ID_PATTERN } from './runFolder.js';

/** KB path of the runs-index (reference §8–§9). */
export const RUNS_INDEX_PATH = 'knowledge/dev/laws/_orchestrator-runs-index/v0.6-runs.md';

/** Maximum line length in characters (code points), reference §8. */
export const RUNS_INDEX_MAX_LINE = 200;

/** What the orchestrator knows at closeout. */
export interface RunsIndexEntry {
  /** UUID (canonical or 32-hex form). */
  runId: string;
  /** law-id. */
  documentId: string;
  /** sha256 hex of the source (64 hex) or its 16-hex short form. */
  sourceVersionId: string;
  /** Final state, free text, e.g. `COMPLETE`, `REPLAYED`. */
  state: string;
  /** KB folder of the run, `knowledge/dev/laws/<law-id>/v<16hex>-automation-cut-<date>[-HHMM]`. */
  folder: string;
  /** UUID; undefined when no change set was written. */
  changeSetId: string | undefined;
  /** UUID; undefined when no lifecycle decision was made. */
  reviewDecisionId: string | undefined;
  /** Who ran it, free text (a user name or host). */
  actor: string;
  /** Closeout instant. */
  closeoutUtc: Date;
}

/** One parsed runs-index line. */
export interface RunsIndexRecord {
  /** 1-based line number in the file. */
  line: number;
  runId: string;
  documentId: string;
  /** 16-hex short form. */
  sourceVersionShort: string;
  state: string;
  /** Full KB folder path, rebuilt. */
  folder: string;
  changeSetId: string | undefined;
  reviewDecisionId: string | undefined;
  actor: string;
  /** ISO 8601 extended, minute precision: `2026-05-20T14:32Z`. */
  closeoutUtc: string;
}

/** Result of {@link parseRunsIndex}: the entries, and the entry-like lines that did not parse. */
export interface RunsIndexParse {
  entries: RunsIndexRecord[];
  issues: { line: number; message: string }[];
}

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const SEPARATOR = ' · ';

function compactUuid(value: string | undefined, field: string): string {
  if (value === undefined) return '-';
  if (!UUID.test(value)) throw new InputError(`${field} is not a UUID`, { field });
  return value.replaceAll('-', '').toLowerCase();
}

function expandUuid(hex: string): string | undefined {
  if (hex === '-') return undefined;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Free text may not break the line's syntax: no backticks, separators or line breaks. */
function clean(text: string): string {
  return text.replace(/[\r\n\t]+/g, ' ').replaceAll('`', "'").replaceAll('·', '.').trim();
}

function fit(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  return `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}

function compose(fields: readonly string[]): string {
  return `- ${fields.map((field) => `\`${field}\``).join(SEPARATOR)}`;
}

function folderToken(entry: RunsIndexEntry, sourceShort: string): string {
  const prefix = `${LAWS_ROOT}/${entry.documentId}/v${sourceShort}-automation-cut-`;
  const folder = entry.folder.replace(/\/+$/, '');
  const token = folder.startsWith(prefix) ? folder.slice(prefix.length) : '';
  if (!/^\d{8}(-\d{4})?$/.test(token)) {
    throw new InputError(`KB folder ${folder} is not this run's ${prefix}<YYYYMMDD>[-HHMM] folder`, { field: 'folder' });
  }
  return token;
}

/**
 * Formats the entry as one runs-index line (no newline), ≤ {@link RUNS_INDEX_MAX_LINE} characters,
 * by the rules in this file's comment.
 *
 * @throws InputError when an id is malformed, the folder is not the run's folder, or the
 *   document_id leaves no room for state and actor
 */
export function formatRunsIndexLine(entry: RunsIndexEntry): string {
  if (!LAW_ID_PATTERN.test(entry.documentId)) throw new InputError('document_id is not a law-id slug', { field: 'documentId' });
  if (!/^[0-9a-f]{16,64}$/.test(entry.sourceVersionId)) {
    throw new InputError('source_version_id is not sha256 hex', { field: 'sourceVersionId' });
  }
  if (Number.isNaN(entry.closeoutUtc.getTime())) throw new InputError('closeout_utc is not a date', { field: 'closeoutUtc' });
  const sourceShort = entry.sourceVersionId.slice(0, 16);
  const iso = entry.closeoutUtc.toISOString();
  const fields = (state: string, actor: string): string[] => [
    compactUuid(entry.runId, 'runId'),
    entry.documentId,
    sourceShort,
    state,
    folderToken(entry, sourceShort),
    compactUuid(entry.changeSetId, 'changeSetId'),
    compactUuid(entry.reviewDecisionId, 'reviewDecisionId'),
    actor,
    `${iso.slice(0, 10).replaceAll('-', '')}T${iso.slice(11, 16).replace(':', '')}Z`,
  ];
  const state = clean(entry.state);
  const actor = clean(entry.actor);
  const budget = RUNS_INDEX_MAX_LINE - Array.from(compose(fields('', ''))).length;
  const needed = Math.min(Array.from(state).length, 1) + Math.min(Array.from(actor).length, 1);
  if (budget < needed) {
    throw new InputError(`document_id ${entry.documentId} is too long for a ${RUNS_INDEX_MAX_LINE}-character runs-index line`, {
      field: 'documentId',
    });
  }
  const fittedState = fit(state, budget - Math.min(Array.from(actor).length, 1));
  const fittedActor = fit(actor, budget - Array.from(fittedState).length);
  return compose(fields(fittedState, fittedActor));
}

/**
 * Parses the runs-index file. Lines not starting with ``- ` `` (title, blank lines) are skipped;
 * entry lines that do not have the 9 fields in the forms of {@link formatRunsIndexLine} are
 * reported in `issues` with their line number, never thrown.
 */
export function parseRunsIndex(text: string): RunsIndexParse {
  const parsed: RunsIndexParse = { entries: [], issues: [] };
  text.split('\n').forEach((raw, index) => {
    const line = index + 1;
    const body = raw.replace(/\r$/, '');
    if (!body.startsWith('- `')) return;
    const fields = body.slice(2).split(SEPARATOR);
    const values = fields.map((field) => (/^`[^`]*`$/.test(field) ? field.slice(1, -1) : undefined));
    const problem = (message: string): void => void parsed.issues.push({ line, message });
    if (values.length !== 9 || values.some((value) => value === undefined)) return problem('expected 9 backticked fields');
    const [runId, documentId, sourceShort, state, token, changeSet, review, actor, closeout] = values as string[];
    const hex32 = /^[0-9a-f]{32}$/;
    if (!hex32.test(runId!)) return problem('run_id is not 32 hex digits');
    if (!LAW_ID_PATTERN.test(documentId!)) return problem('document_id is not a law-id');
    if (!/^[0-9a-f]{16}$/.test(sourceShort!)) return problem('source_version_id is not 16 hex digits');
    if (!/^\d{8}(-\d{4})?$/.test(token!)) return problem('KB folder is not <YYYYMMDD>[-HHMM]');
    for (const [name, id] of [['change_set_id', changeSet], ['review_decision_id', review]] as const) {
      if (id !== '-' && !hex32.test(id!)) return problem(`${name} is neither 32 hex digits nor -`);
    }
    const when = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z$/.exec(closeout!);
    if (when === null) return problem('closeout_utc is not YYYYMMDDTHHMMZ');
    parsed.entries.push({
      line,
      runId: expandUuid(runId!)!,
      documentId: documentId!,
      sourceVersionShort: sourceShort!,
      state: state!,
      folder: `${LAWS_ROOT}/${documentId}/v${sourceShort}-automation-cut-${token}`,
      changeSetId: expandUuid(changeSet!),
      reviewDecisionId: expandUuid(review!),
      actor: actor!,
      closeoutUtc: `${when[1]}-${when[2]}-${when[3]}T${when[4]}:${when[5]}Z`,
    });
  });
  return parsed;
}
