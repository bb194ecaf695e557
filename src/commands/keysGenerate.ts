/**
 * `orchestrate keys generate --name "Ada Lovelace" --email ada@example.org --out DIR` (issues 5, 12):
 * a GnuPG-compatible sovereign key pair, with a user ID as GnuPG writes it (`Name <email>`).
 * Prints the fingerprint and the paths — never key material.
 */
import path from 'node:path';
import { InputError } from '../errors.js';
import { generateSovereignKey } from '../keys/generateSovereignKey.js';
import { writeKeyPair, type KeyPairFiles } from '../keys/writeKeyPair.js';

/** What `keys generate` wrote, and warnings for the person who ran it (e.g. an unprotected key). */
export interface KeysGenerateResult extends KeyPairFiles {
  fingerprint: string;
  /** The key's user ID, e.g. `Ada Lovelace <ada@example.org>`. */
  user_id: string;
  /** Whether the private key file is passphrase-protected. */
  protected: boolean;
  warnings: string[];
}

/** Options of {@link keysGenerate}. */
export interface KeysGenerateOptions {
  /** The user ID's name (`Ada Lovelace`), or a whole user ID `Ada Lovelace <ada@example.org>`. */
  name: string;
  email?: string;
  /** File stem of the three files; default derived from the name (`ada-lovelace`). */
  fileStem?: string;
  out: string;
  cwd: string;
  /** Protects the private key (from `ORCHESTRATE_KEY_PASSPHRASE`). Required unless `noPassphrase`. */
  passphrase?: string;
  /** Writes an unprotected private key on purpose (`--no-passphrase`); a warning says so. */
  noPassphrase?: boolean;
}

const EMAIL = /^[^\s<>@]+@[^\s<>@]+$/;

/** Splits `Name <email>` (GnuPG's user ID form); a plain name is returned as is. */
export function parseUserId(name: string, email: string | undefined): { name: string; email?: string } {
  const whole = /^(.*?)\s*<([^<>]*)>\s*$/.exec(name.trim());
  if (whole !== null) {
    if (email !== undefined && email !== whole[2]) {
      throw new InputError(`--name carries the email <${whole[2]}> and --email says ${email}: give one`, { field: 'email' });
    }
    return { name: whole[1]!.trim(), email: whole[2]!.trim() };
  }
  return { name: name.trim(), ...(email === undefined ? {} : { email: email.trim() }) };
}

/** The file stem for a user ID name: lowercase letters and digits, other runs of characters as `-`. */
export function fileStemOf(name: string): string {
  return name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9._]+/g, '-').replace(/^[-._]+|[-._]+$/g, '');
}

/**
 * Generates and writes a sovereign key pair. The user ID is `name <email>` (or the name alone);
 * the three files are `<stem>.pub.asc`, `<stem>.sec.asc` (0600), `<stem>.rev.asc` (0600).
 *
 * @throws InputError (STOP_INPUT) when: the name is empty or the email malformed; no passphrase is
 *   given and `noPassphrase` is not set (a sovereign's key must be protected unless they say
 *   otherwise); the file stem is not plain; a key file already exists
 */
export async function keysGenerate(options: KeysGenerateOptions): Promise<KeysGenerateResult> {
  const user = parseUserId(options.name, options.email);
  if (user.name === '' || /[<>]/.test(user.name)) {
    throw new InputError(`--name ${JSON.stringify(options.name)} is not a person's name (e.g. --name "Ada Lovelace" --email ada@example.org)`, { field: 'name' });
  }
  if (user.email !== undefined && !EMAIL.test(user.email)) {
    throw new InputError(`--email ${JSON.stringify(user.email)} is not an email address`, { field: 'email' });
  }
  const passphrase = options.passphrase === '' ? undefined : options.passphrase;
  if (passphrase === undefined && options.noPassphrase !== true) {
    throw new InputError('no passphrase: the private key would be written unprotected', { field: 'ORCHESTRATE_KEY_PASSPHRASE' }, [],
      'set ORCHESTRATE_KEY_PASSPHRASE to the passphrase (read from the environment, never from the command line), or pass --no-passphrase to write an unprotected key on purpose');
  }
  const stem = options.fileStem ?? fileStemOf(user.name);
  const pair = await generateSovereignKey({ name: user.name, ...(user.email === undefined ? {} : { email: user.email }), ...(passphrase === undefined ? {} : { passphrase }) });
  const files = await writeKeyPair(path.resolve(options.cwd, options.out), stem, pair);
  const userId = user.email === undefined ? user.name : `${user.name} <${user.email}>`;
  const warnings = passphrase === undefined ? [`${files.privateKey} is NOT passphrase-protected (--no-passphrase): anyone who can read it can sign approvals as ${userId}`] : [];
  return { fingerprint: pair.fingerprint, user_id: userId, protected: passphrase !== undefined, warnings, ...files };
}
