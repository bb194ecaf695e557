/**
 * Appends a run's line to the runs-index through the KB (reference §9, DESIGN §3).
 */
import type { KbStore, UpdateResult } from './KbStore.js';
import { RUNS_INDEX_PATH, formatRunsIndexLine, parseRunsIndex, type RunsIndexEntry } from './runsIndex.js';

/**
 * First lines of a new runs-index file: the title and a header row naming the nine fields in line
 * order (issue 9; not an entry: only lines starting with ``- ` `` are entries).
 */
export const RUNS_INDEX_HEADER =
  '# Orchestrator runs index · v0.6\n\n'
  + '`run_id` · `document_id` · `source_version` · `state` · `folder` · `change_set_id` · `lifecycle_review_decision_id` · `actor` · `closeout_utc`\n\n';

/**
 * The pure edit behind {@link appendRunsIndexLine}: `current` plus `line`, or undefined when a line
 * for the same run_id is already there (idempotent). A missing file starts with
 * {@link RUNS_INDEX_HEADER}; a file without a final newline gets one before the new line.
 */
export function withRunsIndexLine(current: string | undefined, line: string): string | undefined {
  const [runId] = parseRunsIndex(line).entries.map((entry) => entry.runId);
  const text = current ?? RUNS_INDEX_HEADER;
  if (parseRunsIndex(text).entries.some((entry) => entry.runId === runId)) return undefined;
  return `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${line}\n`;
}

/**
 * Appends the run's line to {@link RUNS_INDEX_PATH} and pushes it. The runs-index is the one KB
 * file that gets a commit per run. Idempotent: when the run's line is already there (e.g. a re-run
 * after a crash) nothing is written. Survives a concurrent append from another clone: a rejected
 * push is rebased, and a rebase conflict on the index is settled by re-applying the append on top
 * of the remote version ({@link KbStore.update}).
 *
 * @returns the update result (`changed: false` when the line was already present)
 * @throws InputError from {@link formatRunsIndexLine}; UploadFailed when the KB write gives up
 */
export async function appendRunsIndexLine(kb: Pick<KbStore, 'update'>, entry: RunsIndexEntry): Promise<UpdateResult> {
  const line = formatRunsIndexLine(entry);
  return kb.update(RUNS_INDEX_PATH, (current) => withRunsIndexLine(current, line), `runs-index: ${entry.runId}`, {
    scope: 'closeout',
  });
}
