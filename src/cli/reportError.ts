/**
 * The one top-level catch: turns any error into an exit status (DESIGN §8) and a message for the
 * user that says what was wrong, where, the stop code, and what to do next — never a stack trace
 * for a user mistake. The words and the JSON come from {@link stopReport}.
 */
import type { StopCode } from '../errors.js';
import { stopReport, type StopReportJson } from '../stops/stopReport.js';

/** What the CLI prints and returns for a failed command. */
export interface ErrorReport {
  exitCode: number;
  code: StopCode;
  /** Human text for stderr (several lines). */
  text: string;
  /** The same facts for `--json` on stdout. */
  json: StopReportJson;
}

/**
 * @param err - anything thrown by a command
 * @param secrets - values scrubbed from every message (DSN password, …)
 */
export function reportError(err: unknown, secrets: readonly string[] = []): ErrorReport {
  const r = stopReport(err, { secrets });
  return { exitCode: r.exitCode, code: r.code, text: r.text, json: r.json };
}
