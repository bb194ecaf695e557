// `npm run demo`: runs the compiled demo. `npm ci` already built dist/ (the prepare script), so the
// demo does not build again; only a checkout without dist/ is built first.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const demo = path.join(root, 'dist', 'src', 'demo', 'runDemo.js');
if (!existsSync(demo)) {
  process.stderr.write('dist/ is missing: building it first (npm run build)\n');
  execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
}
await import(pathToFileURL(demo).href);
