/**
 * What the evidence checker is given: the run as plain data (its identity, pins and uploads) and
 * where to read live state from. Callers build the run with one small adapter each (internal gate,
 * replay, `verify`), so the checker never depends on the sidecar's format.
 */
import type { Queryable } from '../db/Database.js';
import type { KbStore } from '../kb/KbStore.js';
import type { RunView } from '../../machines/runView.js';
import type { Pins, UploadRecord } from '../../machines/types.js';
import type { HistoricSource } from './findSourceVersion.js';

/** The approval a gate accepted, as far as the DB rows record it (review_decision). */
export interface AcceptedApprovalPin {
  sha256: string;
  /** Lowercase or uppercase hex; compared uppercase (the table stores UPPERCASE). */
  signer_fingerprint: string;
}

/** A run, as the checker needs it. Only what is set is checked (before a phase pins a value, nothing is compared). */
export interface EvidenceRun {
  run_id: string;
  /** The document's law-id (DESIGN §2), also its `document_id`. */
  law_id: string;
  /** sha256 of the source bytes the run cut. */
  source_version_id: string;
  /** KB-relative run folder. */
  kb_folder: string;
  pins: Pins;
  /** Every document the run uploaded, in step order. */
  uploads: UploadRecord[];
  /** The SG2 approval the run accepted (the review decision records its sha and signer). */
  sg2_approval?: AcceptedApprovalPin;
  /**
   * The run claims to be complete (done; a replay): every pin of a finished run must then be set,
   * so a missing row or document fails instead of being skipped.
   */
  complete?: boolean;
  /** The run was voided by a sovereign: its change set is then expected to be voided. */
  voided?: boolean;
}

/**
 * The KB's git history, for the auditor: with it the checker also counts each document's revisions
 * and the commit that added it, and verifies a run whose source version was replaced since from
 * the committed bytes of that version. Without it (internal gate, replay) the live source must be
 * the run's.
 */
export interface KbHistory {
  /** How many commits touched a KB path. */
  revisions(relPath: string): Promise<number>;
  /** The commit that added a KB path, if any. */
  addedIn(relPath: string): Promise<string | undefined>;
  /** The committed bytes of `sourceVersionId` of the KB file `relPath`, if any commit held them. */
  findSource(relPath: string, sourceVersionId: string): Promise<HistoricSource | undefined>;
}

/** Where the checker reads live state. A missing `db` or `sidecarsDir` turns its checks into skipped ones. */
export interface EvidenceSources {
  /** The KB work tree (document.yaml, source, vocabulary). */
  kbDir: string;
  kb: Pick<KbStore, 'blobIds' | 'read'>;
  /** Where `<run_id>.backup.gpg` lives. */
  sidecarsDir?: string;
  db?: Queryable;
  history?: KbHistory;
}

/** Options of the checker. */
export interface EvidenceOptions {
  /**
   * `throw` (default): a failing DB query rejects (the runner maps it to STOP_DB). `report`: it
   * becomes one failed `db.read` check and the other groups still report (`verify`).
   */
  dbErrors?: 'throw' | 'report';
}

/** The parts of a run view (machines/runView.ts) the evidence checker reads. */
export type EvidenceRunSource = Pick<RunView, 'run_id' | 'law_id' | 'source_version_id' | 'kb_folder' | 'pins' | 'approvals' | 'state'> & {
  uploads: readonly UploadRecord[];
};

/**
 * The run as the checker sees it, from its view — the one adapter used by the internal gate, the
 * replay check and `verify`. A `done` run must have every pin and row; a `voided` run's change set
 * must be voided.
 */
export function evidenceRunOf(run: EvidenceRunSource): EvidenceRun {
  const sg2 = run.approvals.SG2.accepted;
  return {
    run_id: run.run_id,
    law_id: run.law_id,
    source_version_id: run.source_version_id,
    kb_folder: run.kb_folder,
    pins: { ...run.pins },
    uploads: run.uploads.map(({ path, sha256, commit }) => ({ path, sha256, commit })),
    ...(sg2 === null ? {} : { sg2_approval: { sha256: sg2.sha256, signer_fingerprint: sg2.signer_fingerprint } }),
    complete: run.state === 'done',
    voided: run.state === 'voided',
  };
}
