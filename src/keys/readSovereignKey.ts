/**
 * Reads a sovereign's armored private key file for signing an approval or a void (DESIGN §5, §6):
 * the one "whose key signs this" path of `approve` and `void`.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { readPrivateKey } from 'openpgp';
import { InputError } from '../errors.js';

/** A sovereign's key as the signing commands need it; `armored` is a secret and is never printed. */
export interface SovereignKey {
  armored: string;
  /** lowercase hex */
  fingerprint: string;
  /** Committer of the KB commit: the key's primary user id (public data), with fallbacks. */
  author: { name: string; email: string };
}

/**
 * @param cwd - directory a relative `keyFile` resolves from
 * @param keyFile - the `<name>.sec.asc` written by `orchestrate keys generate` (or `gpg --export-secret-keys --armor`)
 * @throws InputError (field `key`) when the file cannot be read or is not an armored OpenPGP private key
 */
export async function readSovereignKey(cwd: string, keyFile: string): Promise<SovereignKey> {
  const file = path.resolve(cwd, keyFile);
  let armored: string;
  try {
    armored = await readFile(file, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read the key file ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { file, field: 'key' }, [],
      'pass the sovereign private key file (<name>.sec.asc written by `orchestrate keys generate`)');
  }
  const key = await readPrivateKey({ armoredKey: armored }).catch(() => {
    throw new InputError('the key file is not an armored OpenPGP private key', { file, field: 'key' }, [], 'pass the <name>.sec.asc file, not the public key');
  });
  const fingerprint = key.getFingerprint();
  const user = await key.getPrimaryUser().then((p) => p.user.userID, () => null);
  return { armored, fingerprint, author: { name: user?.name || `sovereign ${fingerprint.slice(-16)}`, email: user?.email || 'sovereign@localhost' } };
}
