/**
 * OpenPGP cleartext signing of a text with an armored private key (RFC 4880 §7), the same form
 * `gpg --clearsign` produces.
 */
import { createCleartextMessage, decryptKey, readPrivateKey, sign } from 'openpgp';
import { InputError } from '../errors.js';

/**
 * @param text - the text to sign (trailing whitespace on lines is not covered by the signature)
 * @param privateKeyArmored - the signer's armored private key (a secret: never logged)
 * @param passphrase - unlocks a protected key
 * @param date - signature creation time; defaults to now
 * @returns the armored `-----BEGIN PGP SIGNED MESSAGE-----` … `-----END PGP SIGNATURE-----` text
 * @throws InputError when the key cannot be read, is public only, or the passphrase is missing or
 *   wrong (the message never contains the passphrase or key material)
 */
export async function signCleartext(text: string, privateKeyArmored: string, passphrase?: string, date?: Date): Promise<string> {
  let key;
  try {
    key = await readPrivateKey({ armoredKey: privateKeyArmored });
  } catch {
    throw new InputError('the signing key is not an armored OpenPGP private key', { field: 'private key' });
  }
  if (!key.isDecrypted()) {
    if (passphrase === undefined) throw new InputError(`private key ${key.getFingerprint()} is protected: a passphrase is needed`, { field: 'passphrase' });
    try {
      key = await decryptKey({ privateKey: key, passphrase });
    } catch {
      throw new InputError(`the passphrase does not unlock private key ${key.getFingerprint()}`, { field: 'passphrase' });
    }
  }
  const message = await createCleartextMessage({ text });
  return sign({ message, signingKeys: key, format: 'armored', ...(date ? { date } : {}) });
}
