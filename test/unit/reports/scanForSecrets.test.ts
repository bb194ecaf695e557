import { describe, expect, test } from 'vitest';
import { StopError } from '../../../src/errors.js';
import { MIN_SECRET_LENGTH, SecretFound, assertNoSecrets, scanForSecrets } from '../../../src/reports/scanForSecrets.js';

/** Puts the secret on line 3 of an otherwise clean report-like text. */
const embed = (secret: string): string => `# Mark · 02 of 11 · run\n\n| item | ${secret} |\n\nclean line\n`;

/** Asserts the pattern blocks, on line 3, and the message never holds the secret. */
function expectBlocked(secret: string, pattern: string, secrets: string[] = []): void {
  const text = embed(secret);
  expect(scanForSecrets(text, { secrets })).toContainEqual({ pattern, line: 3 });
  let thrown: unknown;
  try {
    assertNoSecrets(text, { secrets, where: 'k/02-mark-20260520.md' });
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(SecretFound);
  expect(thrown).toBeInstanceOf(StopError);
  const found = thrown as SecretFound;
  expect(found.message).toContain(`${pattern} at line 3`);
  expect(found.message).toContain('k/02-mark-20260520.md');
  expect(found.code).toBe('STOP_KB_UPLOAD');
  expect(found.message).not.toContain(secret);
  expect(JSON.stringify(found.hits)).not.toContain(secret);
}

describe('secret scanner: every pattern blocks', () => {
  test('URL with credentials (postgres)', () => expectBlocked('postgres://cutter:s3cr3t-pw@db.internal:5432/laws', 'url-credentials'));
  test('URL with credentials (any scheme)', () => expectBlocked('https://deploy:ghp_abcdef123@git.example.org/kb.git', 'url-credentials'));
  test('database DSN even without a password', () => expectBlocked('postgresql://db.internal:5432/laws', 'database-dsn'));
  test('password= assignment', () => expectBlocked('host=db user=cutter password=hunter2xyz', 'password-assignment'));
  test('password: in YAML', () => expectBlocked('password: "Tr0ub4dor&3"', 'password-assignment'));
  test('PGPASSWORD', () => expectBlocked('PGPASSWORD=whatever', 'pgpassword'));
  test('PEM private key block', () => expectBlocked('-----BEGIN RSA PRIVATE KEY-----', 'pem-private-key'));
  test('PEM private key block (PKCS#8)', () => expectBlocked('-----BEGIN PRIVATE KEY-----', 'pem-private-key'));
  test('PGP private key block', () => expectBlocked('-----BEGIN PGP PRIVATE KEY BLOCK-----', 'pgp-private-key'));
  test('AWS access key id', () => expectBlocked('AKIAIOSFODNN7EXAMPLE', 'aws-access-key'));
  test('bearer token', () => expectBlocked('Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.Zm9v1', 'bearer-token'));
  test('configured secret value, exact match', () =>
    expectBlocked('value opaque-Passphrase-42 here', 'configured-secret-2', ['', 'opaque-Passphrase-42']));
});

describe('secret scanner: what passes', () => {
  test('prose about secrets, public keys, hashes and short configured values pass', () => {
    const text = [
      'the DSN has no password; bearer authentication is not used',
      '-----BEGIN PGP PUBLIC KEY BLOCK-----',
      'sha256 8f4687f71119c2dcd13b75263e42b9d7229a9dfbe92a5f1c25c1b8e33182f199',
      'https://www.archives.gov/founding-docs/constitution-transcript',
      'a password_policy field',
    ].join('\n');
    expect(scanForSecrets(text, { secrets: ['abc', 'x'.repeat(MIN_SECRET_LENGTH - 1)] })).toEqual([]);
    expect(() => assertNoSecrets(text)).not.toThrow();
  });

  test('hits are per (pattern, line), sorted by line', () => {
    const text = 'AKIAIOSFODNN7EXAMPLE AKIAIOSFODNN7EXAMPLF\nok\nPGPASSWORD x and postgres://u:p@h/d';
    expect(scanForSecrets(text)).toEqual([
      { pattern: 'aws-access-key', line: 1 },
      { pattern: 'database-dsn', line: 3 },
      { pattern: 'pgpassword', line: 3 },
      { pattern: 'url-credentials', line: 3 },
    ]);
  });
});
