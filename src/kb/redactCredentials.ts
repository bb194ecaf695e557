/**
 * Removes credentials from text that came from git (error output can echo a remote URL).
 * House rule: secrets never appear in any error message, log or report.
 */

/** `scheme://user:password@` and `scheme://token@` user-info parts of URLs. */
const URL_USERINFO = /([a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi;

/**
 * Replaces the user-info part of every URL in `text` with `***`.
 *
 * @example redactCredentials('fatal: https://u:p@host/x') === 'fatal: https://***@host/x'
 */
export function redactCredentials(text: string): string {
  return text.replace(URL_USERINFO, '$1***@');
}
