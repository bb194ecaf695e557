/**
 * The secret scanner every report passes before upload (DESIGN §7: never secrets, DSNs or
 * passwords; a hit blocks the upload). Hits name the pattern and the line, never the secret.
 */
import { StopError } from '../errors.js';

/** A built-in pattern: a name for messages and a regular expression (global, for scanning). */
export interface SecretPattern {
  name: string;
  regex: RegExp;
}

/** Built-in patterns. Names are stable: tests and runbooks refer to them. */
export const SECRET_PATTERNS: readonly SecretPattern[] = Object.freeze([
  // any scheme://user:password@host
  { name: 'url-credentials', regex: /\b[a-z][a-z0-9+.-]*:\/\/[^\s/?#:@]+:[^\s/?#@]*@/gi },
  // a database connection URL even without a password reveals the target (DESIGN §7: no DSNs)
  { name: 'database-dsn', regex: /\b(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|redis|rediss):\/\/[^\s`'"]+/gi },
  { name: 'password-assignment', regex: /\b(?:password|passwd|pwd)\s*[=:]\s*["']?[^\s"',;]+/gi },
  { name: 'pgpassword', regex: /\bPGPASSWORD\b/g },
  { name: 'pem-private-key', regex: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/g },
  { name: 'pgp-private-key', regex: /-----BEGIN PGP PRIVATE KEY BLOCK-----/g },
  { name: 'aws-access-key', regex: /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[0-9A-Z]{16}\b/g },
  // a token has 16+ token characters with at least one digit, so prose ("bearer authentication") passes
  { name: 'bearer-token', regex: /\bbearer\s+(?=[a-z._~+/-]*\d)[a-z0-9\-._~+/]{16,}=*/gi },
]);

/** Configured secrets shorter than this are skipped: they would match ordinary words. */
export const MIN_SECRET_LENGTH = 6;

/** One hit: which pattern, on which 1-based line. Configured secrets are `configured-secret-<n>` (1-based index). */
export interface SecretHit {
  pattern: string;
  line: number;
}

/** Options of {@link scanForSecrets}. */
export interface SecretScanOptions {
  /** Secret values from the configuration (DB password, key passphrase…), matched exactly. */
  secrets?: readonly string[];
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/**
 * Scans `text` for every built-in pattern and every configured secret (empty and values shorter
 * than {@link MIN_SECRET_LENGTH} skipped). Returns the hits sorted by line then pattern, one per
 * (pattern, line); [] when clean.
 */
export function scanForSecrets(text: string, options: SecretScanOptions = {}): SecretHit[] {
  const found = new Map<string, SecretHit>();
  const add = (pattern: string, offset: number): void => {
    const line = lineOf(text, offset);
    found.set(`${line}\0${pattern}`, { pattern, line });
  };
  for (const { name, regex } of SECRET_PATTERNS) {
    for (const match of text.matchAll(new RegExp(regex.source, regex.flags))) add(name, match.index);
  }
  (options.secrets ?? []).forEach((secret, index) => {
    if (secret.length < MIN_SECRET_LENGTH) return;
    for (let at = text.indexOf(secret); at !== -1; at = text.indexOf(secret, at + 1)) add(`configured-secret-${index + 1}`, at);
  });
  return [...found.values()].sort((a, b) => a.line - b.line || a.pattern.localeCompare(b.pattern));
}

/**
 * A report blocked by the scanner: the upload did not happen (`STOP_KB_UPLOAD`). The message and
 * `hits` name patterns and lines only.
 */
export class SecretFound extends StopError {
  constructor(
    readonly hits: readonly SecretHit[],
    readonly where: string,
  ) {
    super(
      'STOP_KB_UPLOAD',
      `secret scanner blocked ${where}: ${hits.map((hit) => `${hit.pattern} at line ${hit.line}`).join(', ')}`,
      { notWritten: [where] },
    );
  }
}

/**
 * {@link scanForSecrets}, throwing when anything is found.
 *
 * @param where - what is scanned, for the message (e.g. the KB path of the report)
 * @throws SecretFound naming every pattern and line
 */
export function assertNoSecrets(text: string, options: SecretScanOptions & { where?: string } = {}): void {
  const hits = scanForSecrets(text, options);
  if (hits.length > 0) throw new SecretFound(hits, options.where ?? 'text');
}
