/**
 * Makes a sovereign's OpenPGP key pair (DESIGN §2 "sovereign", §6). The lead wires
 * `orchestrate keys generate --name N --out DIR` to this and {@link writeKeyPair}.
 *
 * Keys are v4 EdDSA (`type: 'ecc', curve: 'ed25519Legacy'`) with a cv25519 encryption subkey:
 * GnuPG 2.2 imports and verifies them, whereas openpgp's `curve25519` (RFC 9580 v6) keys it
 * rejects (STACK-NOTES "openpgp v6"). The subkey lets the same key receive encrypted backups.
 */
import { generateKey, readKey } from 'openpgp';

/** Options of {@link generateSovereignKey}. */
export interface SovereignKeyOptions {
  /** user-id name, e.g. `Ada Sovereign` */
  name: string;
  /** user-id email; omitted = a user ID of the name alone (GnuPG allows it) */
  email?: string;
  /** protects the private key; omitted = unprotected (tests, or keys kept in a hardware-backed store) */
  passphrase?: string;
  /** seconds after `date` at which the key expires; omitted or 0 = never */
  keyExpirationTime?: number;
  /** creation time of the key; defaults to now */
  date?: Date;
}

/** An armored key pair. The private half and its revocation certificate are secrets: never log them. */
export interface SovereignKeyPair {
  publicKeyArmored: string;
  privateKeyArmored: string;
  /** revocation certificate to publish if the key is lost or compromised */
  revocationCertificate: string;
  /** primary key fingerprint, 40 lowercase hex */
  fingerprint: string;
}

/**
 * @throws Error from openpgp on an invalid user id (e.g. a malformed email)
 */
export async function generateSovereignKey(options: SovereignKeyOptions): Promise<SovereignKeyPair> {
  const { publicKey, privateKey, revocationCertificate } = await generateKey({
    type: 'ecc',
    curve: 'ed25519Legacy',
    userIDs: [options.email === undefined ? { name: options.name } : { name: options.name, email: options.email }],
    format: 'armored',
    ...(options.passphrase ? { passphrase: options.passphrase } : {}),
    ...(options.keyExpirationTime ? { keyExpirationTime: options.keyExpirationTime } : {}),
    ...(options.date ? { date: options.date } : {}),
  });
  const key = await readKey({ armoredKey: publicKey });
  return { publicKeyArmored: publicKey, privateKeyArmored: privateKey, revocationCertificate, fingerprint: key.getFingerprint() };
}
