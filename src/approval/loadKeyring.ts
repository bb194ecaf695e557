/**
 * The trusted sovereign keyring (DESIGN §2 "sovereign", §6): a directory of armored public keys,
 * configured outside the KB (a key committed into the KB could be added by anyone who can push).
 */
import { readdir, readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { readKeys, type Key, type PublicKey } from 'openpgp';
import { InputError } from '../errors.js';

/**
 * The trusted public keys, one per fingerprint (every copy found merged into it), and which file
 * each copy came from (a fingerprint found in two files, or twice in one file, has two sources).
 */
export interface TrustedKeyring {
  keys: PublicKey[];
  sources: { file: string; fingerprint: string }[];
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Keys of every armored block in a file (`gpg --export --armor a b` writes one; `cat` of two files two). */
async function readArmoredBlocks(text: string): Promise<Key[]> {
  const blocks = text.match(/-----BEGIN PGP [A-Z ]+-----[\s\S]*?-----END PGP [A-Z ]+-----/g);
  if (blocks === null) throw new Error('no armored block');
  const keys: Key[] = [];
  for (const block of blocks) keys.push(...(await readKeys({ armoredKeys: block })));
  return keys;
}

/**
 * Reads every `*.asc` and `*.pub` file of `dir` (a file may hold several keys). Copies of one key
 * (same primary fingerprint, across files or within a file) are merged with OpenPGP's key update,
 * as GnuPG merges them on import: a revocation, a newer self-signature (expiry) or a subkey in any
 * copy applies to the key, whatever the order of the files or blocks (issue 9).
 *
 * @param options - `kbRoot`: the KB work tree; a keyring inside it is refused
 * @throws InputError naming the file when: the directory is missing or inside the KB; a file is
 *   not armored OpenPGP keys; a file holds a private key (the keyring holds public keys only);
 *   or no key is found at all
 */
export async function loadKeyring(dir: string, options: { kbRoot?: string } = {}): Promise<TrustedKeyring> {
  let real: string;
  try {
    real = await realpath(dir);
  } catch {
    throw new InputError(`trusted keyring directory ${dir} does not exist`, { file: dir }, [], 'configure the sovereign keyring path');
  }
  if (options.kbRoot !== undefined && isInside(real, await realpath(options.kbRoot).catch(() => path.resolve(options.kbRoot ?? '')))) {
    throw new InputError(`trusted keyring ${dir} is inside the KB; it must be configured outside it`, { file: dir });
  }
  const names = (await readdir(real)).filter((n) => n.endsWith('.asc') || n.endsWith('.pub')).sort();
  const keyring: TrustedKeyring = { keys: [], sources: [] };
  const merged = new Map<string, PublicKey>();
  for (const name of names) {
    const file = path.join(dir, name);
    let keys: Key[];
    try {
      keys = await readArmoredBlocks(await readFile(file, 'utf8'));
    } catch (error) {
      throw new InputError(`keyring file ${file} is not armored OpenPGP keys: ${(error as Error).message}`, { file });
    }
    for (const key of keys) {
      if (key.isPrivate()) {
        throw new InputError(`keyring file ${file} holds a private key (${key.getFingerprint()}); the trusted keyring takes public keys only`, { file }, [], 'move the private key away and export the public key instead');
      }
      keyring.sources.push({ file, fingerprint: key.getFingerprint() });
      const fingerprint = key.getFingerprint();
      const earlier = merged.get(fingerprint);
      if (earlier === undefined) {
        merged.set(fingerprint, key as PublicKey);
        continue;
      }
      try {
        merged.set(fingerprint, await earlier.update(key as PublicKey));
      } catch (error) {
        throw new InputError(`keyring file ${file} holds a copy of key ${fingerprint} that cannot be merged with an earlier copy: ${(error as Error).message}`, { file }, [], 'keep one export of each sovereign key (gpg --export --armor <fingerprint>)');
      }
    }
  }
  keyring.keys.push(...merged.values());
  if (keyring.keys.length === 0) throw new InputError(`trusted keyring ${dir} holds no public key (*.asc, *.pub)`, { file: dir });
  return keyring;
}
