/**
 * Retry policy of KB uploads (DESIGN §3, reference §3): 3 retries, exponential ×2 from 1 s, capped
 * at 30 s, then {@link UploadFailed}. Retrying is p-retry's job; this file only fixes the numbers and
 * turns the last failure into the typed error.
 */
import pRetry, { AbortError, type Options as PRetryOptions } from 'p-retry';
import { UploadFailed } from './UploadFailed.js';

/** The p-retry options an upload uses; tests inject `minTimeout: 0` or an `onFailedAttempt` probe. */
export type UploadRetryPolicy = Pick<
  PRetryOptions,
  'retries' | 'factor' | 'minTimeout' | 'maxTimeout' | 'randomize' | 'onFailedAttempt'
>;

/**
 * DESIGN §3 numbers: `retries` 3 (4 attempts), `factor` 2, `minTimeout` 1000 ms, `maxTimeout`
 * 30000 ms, no jitter — waits of 1 s, 2 s, 4 s between the 4 attempts.
 */
export const DEFAULT_UPLOAD_RETRY: Readonly<Required<Omit<UploadRetryPolicy, 'onFailedAttempt'>>> = Object.freeze({
  retries: 3,
  factor: 2,
  minTimeout: 1000,
  maxTimeout: 30_000,
  randomize: false,
});

/**
 * An error that retrying cannot fix (e.g. {@link KbPathTaken}); thrown from an attempt it ends the
 * retries at once and the original error is rethrown unchanged, not wrapped in UploadFailed.
 */
export function permanent(error: Error): AbortError {
  return new AbortError(error);
}

/**
 * Runs `attempt` under the policy (defaults filled from {@link DEFAULT_UPLOAD_RETRY}).
 *
 * @param path - the KB path, for the error
 * @throws UploadFailed carrying the last error and the attempt count, once retries are exhausted
 * @throws the original error of an attempt that threw {@link permanent}
 */
export async function withUploadRetry<T>(
  path: string,
  attempt: (attemptNumber: number) => Promise<T>,
  policy: UploadRetryPolicy = {},
): Promise<T> {
  let attempts = 0;
  let aborted = false;
  try {
    return await pRetry(
      async (n) => {
        attempts = n;
        try {
          return await attempt(n);
        } catch (error) {
          if (error instanceof AbortError) aborted = true;
          throw error;
        }
      },
      { ...DEFAULT_UPLOAD_RETRY, ...policy },
    );
  } catch (error) {
    if (aborted) throw error;
    throw new UploadFailed(path, attempts, error);
  }
}
