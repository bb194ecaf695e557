/**
 * The run folder of DESIGN §3 / reference §1:
 * `knowledge/dev/laws/<law-id>/v<first 16 hex>-automation-cut-<YYYYMMDD>[-<HHMM>]`.
 */
import { InputError, StopError } from '../errors.js';
import type { KbStore } from './KbStore.js';
import { utcDateStamp, utcTimeStamp } from './utcStamp.js';

/** Root of every law's folders in the KB. */
export const LAWS_ROOT = 'knowledge/dev/laws';

/** law-id: lowercase slug of the doc_prefix (DESIGN §2). */
export const LAW_ID_PATTERN = /^[a-z0-9][a-z0-9-]*$/;

/**
 * Answers "is this folder already used by another run?" for a KB-relative folder path (no
 * trailing slash). May be async. {@link kbFolderTaken} builds one from a {@link KbStore}.
 */
export type FolderTaken = (folder: string) => boolean | Promise<boolean>;

/** Input of {@link runFolderPath}. */
export interface RunFolderInput {
  /** law-id, e.g. `us-const`. */
  lawId: string;
  /** sha256 hex of the source bytes (64 hex; at least the 16-hex short form is required). */
  sourceVersionId: string;
  /** Instant the run starts; its UTC date names the folder, its UTC `HHMM` the suffix. */
  date: Date;
  /** Instant whose UTC `HHMM` is the suffix, when it differs from `date` (default: `date`). */
  time?: Date;
  /** Whether a folder is already used by another run. */
  taken: FolderTaken;
}

/**
 * Picks the run folder: `…-automation-cut-<YYYYMMDD>` when free, else `…-<YYYYMMDD>-<HHMM>`
 * (reference §1: one run per day and document, a second one the same day gets the time suffix).
 *
 * @returns KB-relative folder path without trailing slash
 * @throws InputError when lawId is not a slug or sourceVersionId has fewer than 16 hex digits
 * @throws StopError `STOP_REPLAY_CONFLICT` when both names are taken (a third run of the same
 *   source version within the same minute)
 */
export async function runFolderPath(input: RunFolderInput): Promise<string> {
  if (!LAW_ID_PATTERN.test(input.lawId)) {
    throw new InputError(`law-id ${JSON.stringify(input.lawId)} is not a lowercase slug`, { field: 'lawId' });
  }
  if (!/^[0-9a-f]{16,}$/.test(input.sourceVersionId)) {
    throw new InputError('source_version_id must be lowercase sha256 hex', { field: 'sourceVersionId' });
  }
  const base = `${LAWS_ROOT}/${input.lawId}/v${input.sourceVersionId.slice(0, 16)}-automation-cut-${utcDateStamp(input.date)}`;
  if (!(await input.taken(base))) return base;
  const suffixed = `${base}-${utcTimeStamp(input.time ?? input.date)}`;
  if (!(await input.taken(suffixed))) return suffixed;
  throw new StopError('STOP_REPLAY_CONFLICT', `run folders ${base} and ${suffixed} are both taken by other runs`, {
    notWritten: [suffixed],
    next: 'retry the cut in a minute',
  });
}

/**
 * A {@link FolderTaken} over the KB working tree: a folder is taken when it holds any file and none
 * of its markdown documents names `runId` on its first (title) line. A folder already holding this
 * run's own documents is not taken, so a resumed run finds its folder again.
 */
export function kbFolderTaken(kb: Pick<KbStore, 'list' | 'read'>, runId: string): FolderTaken {
  return async (folder) => {
    const files = await kb.list(folder);
    if (files.length === 0) return false;
    for (const name of files.filter((file) => file.endsWith('.md'))) {
      const text = Buffer.from(await kb.read(`${folder}/${name}`)).toString('utf8');
      if ((text.split('\n', 1)[0] ?? '').includes(runId)) return false;
    }
    return true;
  };
}
