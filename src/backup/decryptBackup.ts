/**
 * Decrypts a `.backup.gpg` (DESIGN §5: the restore source of the sovereign-only emergency revert).
 */
import { decrypt, readMessage, type Message } from 'openpgp';
import { InputError } from '../errors.js';
import { unlockPrivateKey } from '../keys/unlockPrivateKey.js';

/**
 * @param bytes - the binary OpenPGP message written by `encryptBackup`
 * @param privateKeyArmored - a recipient's armored private key (a secret: never logged)
 * @param passphrase - unlocks a protected key
 * @returns the backed-up JSON value
 * @throws InputError when the bytes are not an OpenPGP message; the key is unusable or locked;
 *   the backup is not encrypted to this key (the message lists the recipient key ids it is
 *   encrypted to); or decryption / integrity check fails (damaged or altered file)
 */
export async function decryptBackup(bytes: Uint8Array, privateKeyArmored: string, passphrase?: string): Promise<unknown> {
  let message: Message<Uint8Array>;
  try {
    message = await readMessage({ binaryMessage: bytes });
  } catch {
    throw new InputError('the backup is not a binary OpenPGP message', { field: 'backup' });
  }
  const key = await unlockPrivateKey(privateKeyArmored, passphrase, 'backup key');
  const recipientIds = message.getEncryptionKeyIDs();
  if (!recipientIds.some((id) => key.getKeys(id).length > 0)) {
    throw new InputError(
      `the backup is encrypted to key id(s) ${recipientIds.map((id) => id.toHex()).join(', ')}, not to key ${key.getFingerprint()}`,
      { field: 'backup key' },
      [],
      'decrypt with the private key of one of the configured backup recipients',
    );
  }
  let data: Uint8Array;
  try {
    ({ data } = await decrypt({ message, decryptionKeys: key, format: 'binary' }));
  } catch (error) {
    throw new InputError(`the backup cannot be decrypted (damaged or altered file?): ${(error as Error).message}`, { field: 'backup' });
  }
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data));
  } catch {
    throw new InputError('the decrypted backup is not UTF-8 JSON', { field: 'backup' });
  }
}
