/**
 * KB writer child processes for the clone lock tests (issue 13): spawns `test/fixtures/kbWriterChild.ts`
 * as a real `node --import tsx` process with a writable stdin, and names what a writer uploads.
 */
import { spawn } from 'node:child_process';
import { repoRoot, type Child } from '../integration/sidecar/childProcess.js';

/** The folder a writer named `name` uploads into. */
export const writerFolder = (name: string): string => `knowledge/dev/laws/lock-test/${name}`;

/** The bytes of document `i` of writer `name`. */
export const writerDocument = (name: string, i: number): string => `# ${name} document ${i}\n`;

/** A spawned writer: a {@link Child} whose stdin the test writes to (and ends, to say "go"). */
export type WriterChild = Child & { stdin: NodeJS.WritableStream };

/** Starts `kbWriterChild.ts` with `args` (see its file comment for the modes). */
export function spawnKbWriter(args: string[]): WriterChild {
  const { ORCHESTRATE_FAILPOINT: _drop, ...env } = process.env;
  const proc = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/kbWriterChild.ts', ...args], {
    cwd: repoRoot,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { proc, stdin: proc.stdin, stdout: () => out, stderr: () => err, exited };
}

/** The `COMMIT <path> <id>` lines a writer printed, as `[path, id]` pairs. */
export function writerCommits(child: Child): Array<[string, string]> {
  return child
    .stdout()
    .split('\n')
    .filter((line) => line.startsWith('COMMIT '))
    .map((line) => {
      const [, file = '', id = ''] = line.split(' ');
      return [file, id];
    });
}
