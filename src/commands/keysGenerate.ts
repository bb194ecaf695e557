/**
 * `orchestrate keys generate --name N --out DIR` (issue 5): a GnuPG-compatible sovereign key pair.
 * Prints the fingerprint and the paths — never key material.
 */
import path from 'node:path';
import { generateSovereignKey } from '../keys/generateSovereignKey.js';
import { writeKeyPair, type KeyPairFiles } from '../keys/writeKeyPair.js';

/** What `keys generate` wrote. */
export interface KeysGenerateResult extends KeyPairFiles {
  fingerprint: string;
}

/**
 * @param options.passphrase - protects the private key (from `ORCHESTRATE_KEY_PASSPHRASE`); omitted = unprotected
 * @throws InputError when the name is not a plain file stem or a key file already exists
 */
export async function keysGenerate(options: { name: string; email?: string; out: string; cwd: string; passphrase?: string }): Promise<KeysGenerateResult> {
  const pair = await generateSovereignKey({
    name: options.name,
    email: options.email ?? `${options.name.toLowerCase().replace(/[^a-z0-9._-]+/g, '.')}@sovereign.invalid`,
    ...(options.passphrase === undefined || options.passphrase === '' ? {} : { passphrase: options.passphrase }),
  });
  const files = await writeKeyPair(path.resolve(options.cwd, options.out), options.name, pair);
  return { fingerprint: pair.fingerprint, ...files };
}
