/**
 * Reads an armored private key and unlocks it with its passphrase when protected.
 */
import { decryptKey, readPrivateKey, type PrivateKey } from 'openpgp';
import { InputError } from '../errors.js';

/**
 * @param privateKeyArmored - the armored private key (a secret: never logged or echoed)
 * @param passphrase - needed when the key is protected
 * @param field - what the key is called in messages (`signing key`, `backup key`)
 * @returns the decrypted private key
 * @throws InputError when the text is not an armored private key, the key is protected and no
 *   passphrase is given, or the passphrase is wrong; messages name the key by fingerprint only
 */
export async function unlockPrivateKey(privateKeyArmored: string, passphrase?: string, field = 'private key'): Promise<PrivateKey> {
  let key: PrivateKey;
  try {
    key = await readPrivateKey({ armoredKey: privateKeyArmored });
  } catch {
    throw new InputError(`the ${field} is not an armored OpenPGP private key`, { field });
  }
  if (key.isDecrypted()) return key;
  if (passphrase === undefined) throw new InputError(`${field} ${key.getFingerprint()} is protected: a passphrase is needed`, { field: 'passphrase' });
  try {
    return await decryptKey({ privateKey: key, passphrase });
  } catch {
    throw new InputError(`the passphrase does not unlock ${field} ${key.getFingerprint()}`, { field: 'passphrase' });
  }
}
