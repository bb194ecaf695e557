/**
 * The layer-1 replay rule (DESIGN §5, reference §5): a non-voided run for (document, current
 * source version) blocks a new cut, unless it is complete (then `cut` is an idempotent replay).
 */
import type { RunView } from '../../machines/runView.js';

/** What layer 1 says about starting a new cut. */
export type ReplayVerdict =
  | { kind: 'fresh' }
  | { kind: 'replay'; run: RunView }
  | { kind: 'conflict'; runs: RunView[] };

/**
 * Pure decision over already listed sidecars (see `listSidecars`).
 *
 * @returns `fresh` when no non-voided run exists for (documentId, sourceVersionId); `replay` with
 *   the completed run when the only such run is `done` (layers 2 and 3 must still agree, DESIGN §5);
 *   otherwise `conflict` with every blocking run (the caller stops with STOP_REPLAY_CONFLICT)
 */
export function findReplayRuns(runs: readonly RunView[], documentId: string, sourceVersionId: string): ReplayVerdict {
  const live = runs.filter((r) => r.document_id === documentId && r.source_version_id === sourceVersionId && r.state !== 'voided');
  if (live.length === 0) return { kind: 'fresh' };
  const [only] = live;
  if (live.length === 1 && only !== undefined && only.state === 'done') return { kind: 'replay', run: only };
  return { kind: 'conflict', runs: live };
}
