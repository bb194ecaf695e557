/**
 * The documents of a run folder, named exactly as in reference §1 (DESIGN §3), and the sovereign
 * approval names of DESIGN §6.
 */
import { isUtcDateStamp } from './utcStamp.js';
import { STEPS, STEP_NAMES, type GateName, type StepName } from '../../machines/steps.js';

/** Phase and gate names, in upload order: the machine's steps (DESIGN §4). */
export const RUN_DOCUMENT_KEYS: readonly StepName[] = STEP_NAMES;

/** A phase or gate that uploads one run document. */
export type RunDocumentKey = StepName;

/** The two sovereign gates. */
export type GateKey = GateName;

/** One row of {@link RUN_DOCUMENTS}. */
export interface RunDocumentSpec {
  key: RunDocumentKey;
  /** File name without `-<date>.md`, e.g. `04-pre-write-backup`. */
  stem: string;
  /** Number label of the title line: `01`…`11`, or `SG1` / `SG2` for the gate requests. */
  label: string;
  /** Human phase name of the title line, e.g. `Pre-Write Backup`. */
  phaseName: string;
  /** 1-based position in the upload order of reference §1 (1…13). */
  order: number;
}

/** Reference §1 table keyed by phase/gate name, from the step table (machines/steps.ts). */
export const RUN_DOCUMENTS: Readonly<Record<RunDocumentKey, Readonly<RunDocumentSpec>>> = Object.freeze(
  Object.fromEntries(
    STEPS.map((s, index) => [s.name, Object.freeze({ key: s.name, stem: s.stem, label: s.label, phaseName: s.title, order: index + 1 })]),
  ) as Record<RunDocumentKey, RunDocumentSpec>,
);

/** Approval file stems of DESIGN §6 (written by sovereigns only). */
export const APPROVAL_STEMS: Readonly<Record<GateKey, string>> = Object.freeze({
  SG1: 'SG1-cut-authz-approval',
  SG2: 'SG2-lifecycle-authz-approval',
});

/** The step after each gate: a document (or key) of it proves the run went past the gate. */
export const STEP_AFTER_GATE = { SG1: 'cut_leg_a', SG2: 'lifecycle_enact' } as const satisfies Record<GateKey, RunDocumentKey>;

/** `<stem>-<date>.md`, e.g. `runDocumentName('mark', '20260520')` → `02-mark-20260520.md`. */
export function runDocumentName(key: RunDocumentKey, date: string): string {
  return `${RUN_DOCUMENTS[key].stem}-${date}.md`;
}

/**
 * Approval file name (DESIGN §6): ordinal 1 → `SG1-cut-authz-approval-<date>.md`, ordinal n ≥ 2 →
 * `…-<date>-<n>.md`.
 */
export function approvalDocumentName(gate: GateKey, date: string, ordinal = 1): string {
  return `${APPROVAL_STEMS[gate]}-${date}${ordinal >= 2 ? `-${ordinal}` : ''}.md`;
}

/** What {@link parseRunFolderName} recognised. */
export type RunFolderFile =
  | { kind: 'document'; key: RunDocumentKey; date: string; name: string }
  | { kind: 'approval'; gate: GateKey; date: string; ordinal: number; name: string };

const DOCUMENT_BY_STEM = new Map(Object.values(RUN_DOCUMENTS).map((spec) => [spec.stem, spec.key]));

/**
 * Recognises a run-folder file name: one of the 13 documents or a sovereign approval (with its
 * ordinal, 1 when unsuffixed). Returns undefined for anything else (wrong stem, impossible date,
 * `-1` suffix, other extension).
 */
export function parseRunFolderName(name: string): RunFolderFile | undefined {
  const approval = /^(SG[12])-(?:cut|lifecycle)-authz-approval-(\d{8})(?:-([2-9]|[1-9]\d+))?\.md$/.exec(name);
  if (approval !== null) {
    const gate = approval[1] as GateKey;
    const date = approval[2]!;
    const ordinal = approval[3] === undefined ? 1 : Number(approval[3]);
    if (!isUtcDateStamp(date) || approvalDocumentName(gate, date, ordinal) !== name) return undefined;
    return { kind: 'approval', gate, date, ordinal, name };
  }
  const document = /^(.+)-(\d{8})\.md$/.exec(name);
  if (document === null) return undefined;
  const key = DOCUMENT_BY_STEM.get(document[1]!);
  const date = document[2]!;
  if (key === undefined || !isUtcDateStamp(date)) return undefined;
  return { kind: 'document', key, date, name };
}

/** {@link parseRunFolderName} over a folder listing, skipping names it does not recognise. */
export function parseRunFolderListing(names: readonly string[]): RunFolderFile[] {
  return names.map(parseRunFolderName).filter((file): file is RunFolderFile => file !== undefined);
}
