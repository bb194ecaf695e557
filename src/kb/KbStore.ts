/**
 * The KB as the orchestrator sees it (DESIGN §3): a structural interface so phases take it by
 * interface and tests can pass another implementation. {@link openKb} makes the git-backed one.
 */

/** Result of a successful upload (DESIGN §3, reference §2 "Artifacts produced"). */
export interface UploadResult {
  /** KB-relative path, forward slashes. */
  path: string;
  /** sha256 hex of the uploaded bytes. */
  sha256: string;
  /** Length of the uploaded bytes. */
  bytes: number;
  /** Full hash of the commit that added the path (on the remote too when one is configured). */
  commit: string;
}

/** Per-call options of {@link KbStore.upload} and {@link KbStore.update}. */
export interface KbWriteOptions {
  /** Phase or gate name used to scope failpoints (`mark` → `mark/kb.commit.before`). */
  scope?: string;
}

/**
 * Edits the current text of a file (undefined when absent) into its next text, or returns
 * `undefined` when nothing needs to change (which makes the update idempotent). Must be pure: it
 * may be applied again on top of a newer remote version.
 */
export type KbEdit = (current: string | undefined) => string | undefined;

/** Result of {@link KbStore.update}. */
export interface UpdateResult {
  path: string;
  /** false when the edit asked for no change (already applied). */
  changed: boolean;
  /** HEAD after the update (pushed when a remote is configured); undefined only in an empty KB. */
  commit: string | undefined;
}

/** Operations on the KB work tree. Paths are KB-relative with forward slashes. */
export interface KbStore {
  /** Absolute path of the work tree. */
  readonly dir: string;
  /** Whether an `origin` remote was configured when the store was opened. */
  readonly hasRemote: boolean;
  /**
   * Writes an immutable document: write, `git add` that path, commit only that path, push when a
   * remote is configured, retrying on failure (DESIGN §3).
   * Same bytes already committed → adopts the earlier commit (no new commit).
   * @throws KbPathTaken when the path holds other bytes (never retried)
   * @throws UploadFailed after the retries are exhausted
   * @throws InputError for a path outside the KB
   */
  upload(relPath: string, bytes: Uint8Array | string, message: string, options?: KbWriteOptions): Promise<UploadResult>;
  /**
   * Rewrites a mutable file (the runs-index) through `edit`, committing and pushing like upload; on a
   * rebase conflict on that file the edit is re-applied on top of the remote version.
   * @throws UploadFailed after the retries are exhausted
   */
  update(relPath: string, edit: KbEdit, message: string, options?: KbWriteOptions): Promise<UpdateResult>;
  /** Whether the path is committed at HEAD. */
  exists(relPath: string): Promise<boolean>;
  /**
   * Git blob ids (hex, as `git hash-object` prints them) of every file committed at HEAD under
   * `relDir` (recursively), keyed by KB-relative path; empty when the folder or HEAD does not exist.
   * One tree read for a whole run folder (issue 11), so a gate checks N documents in one process.
   * @throws InputError for a path outside the KB
   */
  blobIds(relDir: string): Promise<Map<string, string>>;
  /** Sizes in bytes of every file committed at HEAD under `relDir`, keyed like {@link KbStore.blobIds}. */
  blobSizes(relDir: string): Promise<Map<string, number>>;
  /**
   * Bytes of a committed blob, by the id {@link KbStore.blobIds} gave (one `git cat-file`): what
   * evidence is read from, never the work tree (DESIGN §6).
   * @throws when the object does not exist
   */
  readBlob(blobId: string): Promise<Uint8Array>;
  /** Working-tree bytes of the path. @throws when the file does not exist */
  read(relPath: string): Promise<Uint8Array>;
  /** Names of the files (not directories) directly in a working-tree folder, sorted; [] when absent. */
  list(relDir: string): Promise<string[]>;
  /** How many commits touched the path (`git log --format=%H -- path`); every run document has 1. */
  revisions(relPath: string): Promise<number>;
  /** Full hash of HEAD, undefined in a KB without commits. */
  headCommit(): Promise<string | undefined>;
  /**
   * Fetches and rebases onto the remote (no-op without remote), so files others pushed appear.
   * @throws KbSyncFailed when fetch or rebase fails (its message is credential-free)
   */
  sync(): Promise<void>;
}
