/**
 * Spawns `test/fixtures/failpointChild.ts` as a real `node --import tsx` process (not a test file).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Repository root, resolved from this file's location. */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** A spawned child with its collected output and a promise of its end. */
export interface Child {
  proc: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts the fixture with `args`; `env` is added to a minimal environment (ORCHESTRATE_FAILPOINT unset unless given). */
export function spawnFixture(args: string[], env: Record<string, string> = {}): Child {
  const { ORCHESTRATE_FAILPOINT: _drop, ...base } = process.env;
  const proc = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/failpointChild.ts', ...args], {
    cwd: repoRoot,
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { proc, stdout: () => out, stderr: () => err, exited };
}

/** Resolves once the child's stdout contains `text` (rejects if it exits first). */
export function waitForOutput(child: Child, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (child.stdout().includes(text)) resolve();
    };
    child.proc.stdout?.on('data', check);
    check();
    void child.exited.then(({ code, signal }) => {
      if (!child.stdout().includes(text)) reject(new Error(`child exited (${code ?? signal}) before printing ${text}: ${child.stderr()}`));
    });
  });
}
