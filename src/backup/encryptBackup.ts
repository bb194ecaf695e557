/**
 * Encrypts the pre-write backup (DESIGN §4 phase 4, §5; reference §7) to the configured
 * recipients, so the `.backup.gpg` sidecar holds no plaintext unit text.
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { createMessage, encrypt, readKey, type Key } from 'openpgp';
import { InputError } from '../errors.js';

/** An encrypted backup: binary OpenPGP message bytes, their sha256 (the phase's `backup_sha`) and the recipients. */
export interface EncryptedBackup {
  bytes: Uint8Array;
  /** sha256 of `bytes`, 64 lowercase hex */
  sha256: string;
  /** primary fingerprints of the recipients, lowercase hex */
  recipients: string[];
}

/**
 * The JSON is serialised canonically (RFC 8785, `canonicalize`) so a decrypted backup is
 * byte-comparable with a fresh dump; the message is encrypted (not signed) as binary OpenPGP,
 * integrity-protected, readable by `gpg --decrypt` with any recipient's private key.
 *
 * @param json - the dumped rows (any JSON value)
 * @param recipients - armored *public* keys (see `loadBackupRecipients`)
 * @throws InputError when there is no recipient, a recipient is not a public key or cannot
 *   receive encrypted data (expired, revoked, no encryption subkey), or `json` is not JSON-serialisable
 */
export async function encryptBackup(json: unknown, recipients: readonly string[]): Promise<EncryptedBackup> {
  const keys = await readRecipientKeys(recipients);
  let text: string | undefined;
  try {
    text = canonicalize(json);
  } catch (error) {
    throw new InputError(`backup content is not JSON-serialisable: ${(error as Error).message}`, { field: 'backup' });
  }
  if (text === undefined) throw new InputError('backup content is not JSON-serialisable', { field: 'backup' });
  const message = await createMessage({ binary: new TextEncoder().encode(text), format: 'binary' });
  const bytes = await encrypt({ message, encryptionKeys: keys, format: 'binary' });
  return { bytes, sha256: createHash('sha256').update(bytes).digest('hex'), recipients: keys.map((k) => k.getFingerprint()) };
}

/**
 * The recipients' public keys, each able to receive encrypted data now (the `cut` preflight checks
 * this before a run is created; the backup phase again before it encrypts).
 * @throws InputError (STOP_INPUT) naming `backup.recipients.<i>` when there is no recipient, or one is
 *   not an armored key, is a private key, or cannot receive encrypted data (expired, revoked, no
 *   encryption subkey)
 */
export async function readRecipientKeys(recipients: readonly string[]): Promise<Key[]> {
  if (recipients.length === 0) throw new InputError('backup needs at least one recipient public key', { field: 'backup.recipients' });
  const keys: Key[] = [];
  for (const [index, armored] of recipients.entries()) {
    let key: Key;
    try {
      key = await readKey({ armoredKey: armored });
    } catch {
      throw new InputError(`backup recipient #${index + 1} is not an armored OpenPGP key`, { field: `backup.recipients.${index}` });
    }
    if (key.isPrivate()) throw new InputError(`backup recipient #${index + 1} (${key.getFingerprint()}) is a private key; configure its public key`, { field: `backup.recipients.${index}` });
    try {
      await key.getEncryptionKey();
    } catch (error) {
      throw new InputError(`backup recipient ${key.getFingerprint()} cannot receive encrypted data: ${(error as Error).message}`, { field: `backup.recipients.${index}` });
    }
    keys.push(key);
  }
  return keys;
}
