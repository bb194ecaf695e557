/**
 * DSN helpers that keep the password out of every message (DEVELOPERS.md: secrets never leak).
 */

/** The password of a `postgres://user:pass@host/db` URL, decoded; undefined when there is none or the URL does not parse. */
export function dsnPassword(dsn: string): string | undefined {
  try {
    const url = new URL(dsn);
    return url.password === '' ? undefined : decodeURIComponent(url.password);
  } catch {
    const m = /^[a-z]+:\/\/[^:/@]*:([^@]*)@/i.exec(dsn);
    return m?.[1];
  }
}

/** The DSN with its password replaced by `***` (for messages); a DSN that does not parse becomes `(unparseable DSN)`. */
export function redactDsn(dsn: string): string {
  try {
    const url = new URL(dsn);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return '(unparseable DSN)';
  }
}

/**
 * Removes every occurrence of each secret (raw and URL-encoded) from a text.
 * Used on driver error messages before they reach a user.
 */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) {
    if (s.length === 0) continue;
    for (const form of new Set([s, encodeURIComponent(s)])) out = out.split(form).join('***');
  }
  return out;
}
