/**
 * Location of the vocabularies shipped with the orchestrator (`knowledge/vocab/` of this package).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Finds `knowledge/vocab` by walking up from this module (works from `src/` under tsx/vitest and
 * from `dist/src/` after `npm run build`).
 *
 * @throws Error when the package has no `knowledge/vocab` (a broken install)
 */
export function shippedVocabDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'knowledge', 'vocab');
    if (existsSync(path.join(dir, 'package.json')) && existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('knowledge/vocab not found above the orchestrator package');
    dir = parent;
  }
}
