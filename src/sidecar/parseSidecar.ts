/**
 * Validates a RunContext (DESIGN §2) and returns errors as data, never throwing (STYLE: changesets
 * `config/src/parse.ts`). The CLI or `readSidecar` turns the issues into an InputError.
 */
import { RunContextSchema, type RunContext } from './runContextSchema.js';
import { verifyKeyChain, type KeyChainMismatch } from './verifyKeyChain.js';

/** One problem: dotted field path (`context_pins.region_sha`, `uploads.0.sha256`, `(root)`) and message. */
export interface SidecarIssue {
  path: string;
  message: string;
}

/** Result of {@link parseSidecar}. */
export type ParseSidecarResult = { ok: true; value: RunContext } | { ok: false; issues: SidecarIssue[] };

/** Options of {@link parseSidecar}. */
export interface ParseSidecarOptions {
  /** Also require the phase keys to chain (reference §4). @default true — pass false for forensic reads. */
  checkKeyChain?: boolean;
}

/**
 * One key-chain mismatch as `<reason> (expected <key | n/a>, found <key | none>)`, the wording shared
 * by `parseSidecar` issues and the `sidecar.key_chain` check of `verify` (reference §4).
 */
export function describeKeyChainMismatch(m: KeyChainMismatch): string {
  return `${m.reason} (expected ${m.expected ?? 'n/a'}, found ${m.found ?? 'none'})`;
}

/**
 * Parses and validates a sidecar.
 *
 * @param json - the file's text (a string is JSON-parsed first) or an already parsed value
 * @returns the RunContext, or every schema issue (and, unless disabled, every key-chain mismatch
 *   as an issue at `keys.<phase>`)
 */
export function parseSidecar(json: unknown, options: ParseSidecarOptions = {}): ParseSidecarResult {
  let value: unknown = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json);
    } catch (error) {
      return { ok: false, issues: [{ path: '(root)', message: `not valid JSON: ${(error as Error).message}` }] };
    }
  }
  const parsed = RunContextSchema.safeParse(value);
  if (!parsed.success) {
    return {
      ok: false,
      issues: parsed.error.issues.map((issue) => ({
        path: issue.path.length === 0 ? '(root)' : issue.path.map(String).join('.'),
        message: issue.message,
      })),
    };
  }
  if (options.checkKeyChain ?? true) {
    const mismatches = verifyKeyChain(parsed.data);
    if (mismatches.length > 0) {
      return {
        ok: false,
        issues: mismatches.map((m) => ({
          path: `keys.${m.phase}`,
          message: `key chain broken: ${describeKeyChainMismatch(m)}`,
        })),
      };
    }
  }
  return { ok: true, value: parsed.data };
}
