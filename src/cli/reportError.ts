/**
 * The one top-level catch: turns any error into an exit status (DESIGN §8) and a message for the
 * user that says what was wrong, where, the stop code, and what to do next — never a stack trace
 * for a user mistake.
 */
import { EXIT, InputError, StopError, formatLocation } from '../errors.js';
import { scrub } from '../db/redactDsn.js';

/** What the CLI prints and returns for a failed command. */
export interface ErrorReport {
  exitCode: number;
  code: string;
  /** Human text for stderr (several lines). */
  text: string;
  /** The same facts for `--json` on stdout. */
  json: Record<string, unknown>;
}

/**
 * @param err - anything thrown by a command
 * @param secrets - values scrubbed from every message (DSN password, …)
 */
export function reportError(err: unknown, secrets: readonly string[] = []): ErrorReport {
  const clean = (s: string): string => scrub(s, secrets);
  if (err instanceof InputError) {
    const where = formatLocation(err.where);
    const lines = [`error STOP_INPUT: ${clean(err.message)}${where === '' ? '' : ` (${where})`}`];
    for (const i of err.issues) lines.push(`  ${i.path}: ${clean(i.message)}`);
    if (err.next !== undefined) lines.push(`next: ${err.next}`);
    return {
      exitCode: EXIT.input,
      code: 'STOP_INPUT',
      text: lines.join('\n'),
      json: { ok: false, code: 'STOP_INPUT', message: clean(err.message), where: err.where, issues: err.issues, next: err.next ?? null },
    };
  }
  if (err instanceof StopError) {
    const d = err.details;
    const lines = [`${err.exitCode === EXIT.gate ? 'paused' : 'stopped'} ${err.code}: ${clean(err.message)}`];
    if (d.runId !== undefined) lines.push(`run_id: ${d.runId}`);
    if (d.written !== undefined) lines.push(`written: ${d.written.length === 0 ? 'nothing' : d.written.join('; ')}`);
    if (d.notWritten !== undefined && d.notWritten.length > 0) lines.push(`not written: ${d.notWritten.join('; ')}`);
    if (d.runbook !== undefined) lines.push(`runbook: ${d.runbook}`);
    if (d.next !== undefined) lines.push(`next: ${d.next}`);
    return {
      exitCode: err.exitCode,
      code: err.code,
      text: lines.join('\n'),
      json: { ok: false, code: err.code, message: clean(err.message), run_id: d.runId ?? null, written: d.written ?? null, not_written: d.notWritten ?? null, runbook: d.runbook ?? null, next: d.next ?? null },
    };
  }
  const message = clean(err instanceof Error ? err.message : String(err));
  const stack = err instanceof Error && err.stack !== undefined ? clean(err.stack) : message;
  return {
    exitCode: EXIT.internal,
    code: 'INTERNAL',
    text: `internal error (a bug, please report it with this text): ${stack}`,
    json: { ok: false, code: 'INTERNAL', message },
  };
}
