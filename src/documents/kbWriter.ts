/**
 * The one KB operation documents need: upload a file (DESIGN §3 "Upload" = write, `git add` that
 * path only, commit, push when a remote is configured). The real implementation lives in `src/kb/`;
 * this structural interface keeps `src/documents/` independent of it.
 */

/** Result of one upload: the KB-relative path, sha256 hex and byte length of what was written, and the commit. */
export interface KbUploadResult {
  path: string;
  sha256: string;
  bytes: number;
  commit: string;
}

/** Writes one file into the KB and commits it. */
export interface KbWriter {
  /**
   * @param relPath - path relative to the KB work tree root, forward slashes
   * @param bytes - file content (a string is written as UTF-8)
   * @param message - commit message
   * @throws on any failure (the caller decides whether that is `STOP_KB_UPLOAD` or bad input)
   */
  upload(relPath: string, bytes: Uint8Array | string, message: string): Promise<KbUploadResult>;
}
