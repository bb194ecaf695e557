/**
 * Builds the first sidecar of a run (DESIGN §2): identity set, no snapshot yet.
 */
import type { Sidecar } from './runContextSchema.js';

/** Identity of a new run; everything else comes from the machine's snapshots. */
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
 * @returns a schema-2 sidecar with `snapshot: null` (the run starts at `source_pin`) and no void.
 *   Not validated here: `writeSidecar` validates before writing.
 */
export function newSidecar(input: NewRunInput): Sidecar {
  const at = (input.now ?? new Date()).toISOString();
  return {
    schema_version: 2,
    run_id: input.run_id,
    document_id: input.document_id,
    law_id: input.law_id,
    doc_prefix: input.doc_prefix,
    source_version_id: input.source_version_id,
    kb_folder: input.kb_folder,
    actor: input.actor,
    created_at: at,
    updated_at: at,
    voided: null,
    snapshot: null,
  };
}
