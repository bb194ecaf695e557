/**
 * OpenPGP cleartext signing of a text with an armored private key (RFC 4880 §7), the same form
 * `gpg --clearsign` produces.
 */
import { createCleartextMessage, sign } from 'openpgp';
import { unlockPrivateKey } from '../keys/unlockPrivateKey.js';

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
  const key = await unlockPrivateKey(privateKeyArmored, passphrase, 'signing key');
  const message = await createCleartextMessage({ text });
  return sign({ message, signingKeys: key, format: 'armored', ...(date ? { date } : {}) });
}
