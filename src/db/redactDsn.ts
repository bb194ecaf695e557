/**
 * DSN helpers that keep the password out of every message (DEVELOPERS.md: secrets never leak).
 */

/** The first password of a DSN (see {@link dsnPasswords}); undefined when there is none. */
export function dsnPassword(dsn: string): string | undefined {
  return dsnPasswords(dsn)[0];
}

/** Query parameters libpq and `pg` read a password from. */
const PASSWORD_PARAMS = ['password', 'sslpassword'];

/**
 * Every password a DSN carries: the userinfo password and `?password=` / `?sslpassword=`
 * parameters (`pg` honours both), decoded first, then as written in the DSN when that differs.
 * Empty when none or when the URL does not parse.
 */
export function dsnPasswords(dsn: string): string[] {
  try {
    const url = new URL(dsn);
    const found = url.password === '' ? [] : [decodeURIComponent(url.password), url.password];
    for (const p of PASSWORD_PARAMS) for (const v of url.searchParams.getAll(p)) if (v !== '') found.push(v);
    for (const m of dsn.matchAll(/[?&](?:ssl)?password=([^&#]+)/g)) if (m[1] !== undefined) found.push(m[1]);
    return [...new Set(found)];
  } catch {
    const m = /^[a-z]+:\/\/[^:/@]*:([^@]*)@/i.exec(dsn);
    return m?.[1] === undefined ? [] : [m[1]];
  }
}

/** The DSN with its password replaced by `***` (for messages); a DSN that does not parse becomes `(unparseable DSN)`. */
export function redactDsn(dsn: string): string {
  try {
    const url = new URL(dsn);
    if (url.password !== '') url.password = '***';
    for (const p of PASSWORD_PARAMS) if (url.searchParams.has(p)) url.searchParams.set(p, '***');
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
