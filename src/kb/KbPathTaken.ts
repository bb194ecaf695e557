/**
 * A run-folder path already holds different bytes (DESIGN §3: "nothing in a run folder is ever
 * rewritten"). Never retried.
 */
import { StopError } from '../errors.js';

/** Where the other bytes were found. */
export type KbPathTakenWhere = 'local-commit' | 'remote' | 'history';

/**
 * Thrown by {@link KbStore.upload} when `path` is already committed (locally, on the remote after a
 * fetch, or anywhere in history) with bytes other than the ones being uploaded. Stops the run with
 * `STOP_DRIFT`: the KB no longer matches what this run produced.
 *
 * `existingSha256` is the sha256 hex of the committed bytes (undefined when the path was committed
 * and later removed); `sha256` the hex of the refused bytes.
 */
export class KbPathTaken extends StopError {
  constructor(
    readonly path: string,
    readonly where: KbPathTakenWhere,
    readonly sha256: string,
    readonly existingSha256: string | undefined,
  ) {
    super(
      'STOP_DRIFT',
      `KB path ${path} is already taken (${where}) by different bytes` +
        (existingSha256 === undefined ? '' : ` sha256 ${existingSha256}`) +
        `; refusing to rewrite it with sha256 ${sha256}`,
      { notWritten: [path], runbook: 'runbooks/README.md#stop_drift' },
    );
  }
}
