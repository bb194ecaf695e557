import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config/configSchema.js';
import { InputError } from '../../../src/errors.js';
import { pickRunIdArgument, resolveRunId } from '../../../src/cli/resolveRunId.js';

// Run ids as users type them (issue 12): whole, compact, or a unique prefix of the runs this host
// sees (sidecars here; the KB's run folders and runs-index are read the same way when the KB exists).
const A = '01a24944-1cdb-7fae-b3b3-0f967fff101b';
const B = '01a24944-1cdc-7000-8000-000000000001';
const C = '01a25000-0000-7000-8000-000000000002';

function workspace(): Config {
  const dir = mkdtempSync(path.join(tmpdir(), 'orchestrate-runid-'));
  const sidecarsDir = path.join(dir, 'sidecars');
  mkdirSync(sidecarsDir);
  for (const id of [A, B, C]) writeFileSync(path.join(sidecarsDir, `${id}.json`), '{}');
  writeFileSync(path.join(sidecarsDir, `${A}.lock`), '');
  return { sidecarsDir, kbDir: path.join(dir, 'kb-without-git') } as Config;
}

async function refusal(p: Promise<unknown>): Promise<InputError> {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(InputError);
  return e as InputError;
}

describe('resolveRunId', () => {
  const ws = workspace();

  it('a whole id, with or without hyphens and in any case, is canonical without a lookup', async () => {
    expect(await resolveRunId(A.replace(/-/g, '').toUpperCase(), { sidecarsDir: '/nonexistent', kbDir: '/nonexistent' } as Config)).toBe(A);
  });

  it('a unique prefix (hyphens ignored) resolves to the one run it names', async () => {
    expect(await resolveRunId('01a25', ws).catch((e: InputError) => e.message)).toMatch(/too short: give at least 6 hex digits/);
    expect(await resolveRunId('01a250', ws)).toBe(C);
    expect(await resolveRunId('01a24944-1cdb', ws)).toBe(A);
    expect(await resolveRunId('01A249441CDC', ws)).toBe(B);
  });

  it('an ambiguous prefix lists the runs it matches; an unknown one says where it looked', async () => {
    const ambiguous = await refusal(resolveRunId('01a24944', ws));
    expect(ambiguous.message).toBe(`run id prefix "01a24944" is ambiguous: it matches ${A}, ${B}`);
    expect(ambiguous.next).toBe('give more digits of the run id');
    const unknown = await refusal(resolveRunId('ffffff', ws));
    expect(unknown.message).toMatch(/no run id starts with "ffffff" among this workspace's sidecars and the KB's run folders/);
  });

  it('anything that is not hex is left for the command to refuse', async () => {
    expect(await resolveRunId('not-a-run', ws)).toBe('not-a-run');
  });
});

describe('pickRunIdArgument', () => {
  it('takes the argument or --run-id; both only when they name the same run', () => {
    expect(pickRunIdArgument(A, undefined, true)).toBe(A);
    expect(pickRunIdArgument(undefined, A, true)).toBe(A);
    expect(pickRunIdArgument(A.replace(/-/g, ''), A, true)).toBe(A.replace(/-/g, ''));
    expect(() => pickRunIdArgument(A, B, true)).toThrow(/two run ids given/);
    expect(() => pickRunIdArgument(undefined, undefined, true)).toThrow(/no run id given/);
    expect(pickRunIdArgument(undefined, undefined, false)).toBeUndefined();
  });
});

describe('pickRunIdArgument with a prefix and the whole id', () => {
  it('accepts both when one is a prefix of the other, keeping the longer', () => {
    expect(pickRunIdArgument('01a24944', A, true)).toBe(A);
    expect(pickRunIdArgument(A, '01a249441cdb', true)).toBe(A);
  });
});
