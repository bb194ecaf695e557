/**
 * Locates files the package ships (sql/, knowledge/vocab/, runbooks/) both from the TypeScript
 * sources (tests) and from the compiled `dist/` (the CLI).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package root: the nearest folder above this module that holds both `package.json` and `sql/`.
 * @throws Error when none is found (a broken install).
 */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'sql'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error('cannot find the orchestrator package root (package.json beside sql/)');
    dir = up;
  }
}
