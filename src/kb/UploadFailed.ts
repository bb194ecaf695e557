/**
 * The KB upload gave up after its retries (DESIGN §3, reference §3): the run stops with
 * `STOP_KB_UPLOAD`.
 */
import { StopError } from '../errors.js';
import { redactCredentials } from './redactCredentials.js';

/**
 * Thrown by {@link KbStore.upload} / {@link KbStore.update} when every attempt failed.
 *
 * - `path`: the KB path being uploaded
 * - `attempts`: how many attempts ran (4 with the default policy: 1 + 3 retries)
 * - `cause`: the last attempt's error, unchanged (its own message may hold raw git output; only the
 *   message of this error is guaranteed credential-free)
 */
export class UploadFailed extends StopError {
  constructor(
    readonly path: string,
    readonly attempts: number,
    lastError: unknown,
  ) {
    const why = lastError instanceof Error ? lastError.message : String(lastError);
    super(
      'STOP_KB_UPLOAD',
      `KB upload of ${path} failed after ${attempts} attempt(s): ${redactCredentials(firstLines(why, 6))}`,
      { cause: lastError, notWritten: [path], runbook: 'runbooks/README.md#stop_kb_upload' },
    );
  }
}

/** Git output can be long; the first lines carry the reason. */
function firstLines(text: string, count: number): string {
  return text.trim().split('\n').slice(0, count).join(' | ');
}
