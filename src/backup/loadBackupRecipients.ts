/**
 * Reads the backup recipients' armored public keys from the files the configuration lists
 * (DESIGN §4 phase 4).
 */
import { readFile } from 'node:fs/promises';
import { InputError } from '../errors.js';

/**
 * @param paths - files each holding one armored public key
 * @returns their armored texts, in order (checked by `encryptBackup`)
 * @throws InputError naming the file when one cannot be read or holds no armored public key
 */
export async function loadBackupRecipients(paths: readonly string[]): Promise<string[]> {
  const armored: string[] = [];
  for (const file of paths) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new InputError(`backup recipient key file ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { file });
    }
    if (!text.includes('-----BEGIN PGP PUBLIC KEY BLOCK-----')) {
      throw new InputError(`backup recipient key file ${file} holds no armored public key`, { file });
    }
    armored.push(text);
  }
  return armored;
}
