/**
 * A small in-process memo of MARK and CUTPLAN (issue 11 "cheap internal gates"): the region, the
 * manifest digest, the plan and its writer digest are a pure function of the source bytes, the
 * validated vocabulary and the document's identity (`markRegion`, `planCut`, `manifestDigest`,
 * `writerDigest` are pure), so the internal gate before every step and leg A's re-plan look the
 * plan up by a digest of exactly those inputs instead of re-deriving it. The caller still reads
 * and hashes the bytes every time: only the derivation is skipped.
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { IuRow } from './iuRow.js';
import { manifestDigest } from './manifestDigest.js';
import { markRegion, type Mark } from './markRegion.js';
import { planCutDetailed, type DetailedPlan } from './planCut.js';
import type { Vocab } from './vocabSchema.js';
import { writerDigest } from './writerDigest.js';

/** Everything MARK and CUTPLAN read: the memo key covers each field. */
export interface CutInputs {
  /** The exact source version bytes (hashed by the memo itself, never trusted from the caller). */
  sourceBytes: Uint8Array;
  /** The validated vocabulary (defaults filled in); keyed by the sha256 of its RFC 8785 canonical JSON. */
  vocab: Vocab;
  /** The law-id: `document_id` of the rows and of the manifest envelope. */
  documentId: string;
  /** The address prefix (`US-CONST`). */
  docPrefix: string;
  /** The source version id the rows and the manifest name (sha256 of the bytes for a live source). */
  sourceVersionId: string;
  /** The file name MARK and CUTPLAN put in their error positions (and `Mark.file`). */
  file: string;
}

/**
 * The derivations of one set of inputs. MARK runs when the entry is made; the plan, the writer
 * digest and the manifest digest are derived on first use and kept. Everything returned is shared
 * between callers and frozen (the plan's array and rows, the mark object): read only.
 */
export interface MemoizedCut {
  /** The memo key: sha256 hex over every input (see `cutKey`). */
  readonly key: string;
  readonly mark: Mark;
  /** `manifestDigest({document_id, source_version_id, region, vocab})`. */
  manifestDigest(): string;
  /**
   * The CUTPLAN rows in document order.
   * @throws InputError as `planCut` does (not memoized: the next call re-plans and throws again)
   */
  plan(): readonly IuRow[];
  /**
   * CUTPLAN with each unit's byte span and the cutter's warnings (`planCutDetailed`); `plan()` is
   * its `rows`. Warnings name the file of the inputs that made the entry. @throws as `plan()`
   */
  detailed(): Readonly<DetailedPlan>;
  /** `writerDigest(plan())`. @throws as `plan()` */
  writerDigest(): string;
}

/** Entries kept: the last few distinct inputs (a run cuts one document; a test process cuts a few). */
export const CUT_MEMO_ENTRIES = 4;

const memo = new Map<string, MemoizedCut>();

const sha256 = (data: Uint8Array | string): string => createHash('sha256').update(data).digest('hex');

/**
 * The memo key of `inputs`: sha256 hex of the canonical JSON of {sha256 of the source bytes, sha256
 * of the canonical vocabulary, documentId, docPrefix, sourceVersionId, file}. Any input that differs
 * gives another key, so an entry is never returned for inputs it was not derived from.
 * @throws Error from `canonicalize` when the vocabulary holds a lone surrogate
 */
export function cutKey(inputs: CutInputs): string {
  const vocab = canonicalize(inputs.vocab);
  if (vocab === undefined) throw new Error('the vocabulary has no canonical JSON form');
  return sha256(canonicalize({
    source_sha256: sha256(inputs.sourceBytes),
    vocab_sha256: sha256(vocab),
    document_id: inputs.documentId,
    doc_prefix: inputs.docPrefix,
    source_version_id: inputs.sourceVersionId,
    file: inputs.file,
  }) as string);
}

function derive(key: string, inputs: CutInputs): MemoizedCut {
  // Own copies: the caller's buffer may be reused, and the mark keeps a view of it (Mark.bytes).
  const bytes = Uint8Array.from(inputs.sourceBytes);
  const vocab = structuredClone(inputs.vocab);
  const mark = Object.freeze(markRegion(bytes, vocab, { file: inputs.file }));
  let detailed: Readonly<DetailedPlan> | undefined;
  let planDigest: string | undefined;
  let manifest: string | undefined;
  const getDetailed = (): Readonly<DetailedPlan> => {
    if (detailed === undefined) {
      const made = planCutDetailed(mark, vocab, { documentId: inputs.documentId, docPrefix: inputs.docPrefix, sourceVersionId: inputs.sourceVersionId });
      for (const row of made.rows) Object.freeze(row);
      Object.freeze(made.rows);
      Object.freeze(made.warnings);
      detailed = Object.freeze(made);
    }
    return detailed;
  };
  const getPlan = (): readonly IuRow[] => getDetailed().rows;
  return {
    key,
    mark,
    manifestDigest: () =>
      (manifest ??= manifestDigest({ document_id: inputs.documentId, source_version_id: inputs.sourceVersionId, region: { start: mark.start, end: mark.end }, vocab })),
    plan: getPlan,
    detailed: getDetailed,
    writerDigest: () => (planDigest ??= writerDigest(getPlan())),
  };
}

/**
 * MARK (and, on demand, CUTPLAN) of `inputs`, from the memo when the same inputs were seen among
 * the last `CUT_MEMO_ENTRIES`, otherwise derived now and remembered (the oldest entry is dropped).
 *
 * @example
 * const cut = memoizedCut({ sourceBytes, vocab, documentId: 'gdpr', docPrefix: 'GDPR', sourceVersionId, file: 'knowledge/dev/laws/gdpr/source.txt' });
 * cut.writerDigest(); // the second gate with the same bytes and vocabulary only hashes them
 * @throws InputError from `markRegion` (nothing is remembered then)
 */
export function memoizedCut(inputs: CutInputs): MemoizedCut {
  const key = cutKey(inputs);
  const found = memo.get(key);
  if (found !== undefined) {
    // Most recently used last: Map iteration order is insertion order.
    memo.delete(key);
    memo.set(key, found);
    return found;
  }
  const made = derive(key, inputs);
  memo.set(key, made);
  while (memo.size > CUT_MEMO_ENTRIES) {
    const oldest = memo.keys().next().value;
    if (oldest === undefined) break;
    memo.delete(oldest);
  }
  return made;
}

/** How many entries the memo holds (tests). */
export function cutMemoSize(): number {
  return memo.size;
}

/** Empties the memo (tests and benchmarks that time a cold derivation). */
export function clearCutMemo(): void {
  memo.clear();
}
