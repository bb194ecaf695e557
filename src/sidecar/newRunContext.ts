/**
 * Builds the first RunContext of a run (DESIGN §2): identity set, every pin and key empty.
 */
import type { RunContext } from './runContextSchema.js';

/** Identity of a new run; everything else starts empty. */
export interface NewRunInput {
  run_id: string;
  document_id: string;
  law_id: string;
  doc_prefix: string;
  source_version_id: string;
  kb_folder: string;
  /** `user@host` */
  actor: string;
  /** creation time; defaults to now */
  now?: Date;
}

/**
 * @returns a RunContext in state `running` with empty pins, keys, uploads and approvals, no
 *   snapshot (`snapshot_version` 0). Not validated here: `writeSidecar` validates before writing.
 */
export function newRunContext(input: NewRunInput): RunContext {
  const at = (input.now ?? new Date()).toISOString();
  return {
    schema_version: 1,
    run_id: input.run_id,
    document_id: input.document_id,
    law_id: input.law_id,
    doc_prefix: input.doc_prefix,
    source_version_id: input.source_version_id,
    kb_folder: input.kb_folder,
    context_pins: {},
    keys: {},
    uploads: [],
    approvals: { SG1: { accepted: null, refused: [] }, SG2: { accepted: null, refused: [] } },
    state: 'running',
    stop: null,
    snapshot: null,
    snapshot_version: 0,
    created_at: at,
    updated_at: at,
    actor: input.actor,
  };
}
