/**
 * Validation of paths inside the KB work tree.
 */
import path from 'node:path';
import { InputError } from '../errors.js';

/**
 * Checks that `relPath` is a forward-slash path relative to the KB root that stays inside it, and
 * returns it normalised (no `./`, no duplicate slashes).
 *
 * @throws InputError (field `relPath`) when the path is empty, absolute, uses backslashes, or
 *   escapes the KB root with `..`.
 */
export function normaliseKbPath(relPath: string): string {
  const bad = (why: string): never => {
    throw new InputError(`KB path ${JSON.stringify(relPath)} ${why}`, { field: 'relPath' });
  };
  if (relPath.trim() === '') bad('is empty');
  if (relPath.includes('\\')) bad('must use forward slashes');
  if (relPath.includes('\0')) bad('contains a NUL byte');
  if (path.posix.isAbsolute(relPath)) bad('must be relative to the KB root');
  const normal = path.posix.normalize(relPath).replace(/\/+$/, '');
  if (normal === '.' || normal === '' || normal === '..' || normal.startsWith('../')) bad('must stay inside the KB');
  if (normal === '.git' || normal.startsWith('.git/')) bad('must not point into .git');
  // git would read a segment starting with "-" as an option.
  if (normal.split('/').some((segment) => segment.startsWith('-'))) bad('has a segment starting with "-"');
  return normal;
}
