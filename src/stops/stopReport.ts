/**
 * The one rendering of a stop or error for the user (DESIGN §8): the same JSON keys and the same
 * text lines for a thrown error of any kind and for a run the machine stopped. Every string is
 * scrubbed of credentials here, whoever built it.
 */
import { exitCodeFor, formatLocation, type InputLocation, type StopCode } from '../errors.js';
import { scrub } from '../db/redactDsn.js';
import { describeStop } from './describeStop.js';
import { factsOf } from './factsOf.js';
import { maskUrlCredentials } from './facts.js';
import { stopCodeOf } from './stopCodeOf.js';

/**
 * The `--json` document of every stop and error, on every command (snake_case). `null` where not
 * known: `written: []` means "nothing was written", `null` that it is not known. `where` is set for
 * bad input only; `issues` lists every problem found (`[]` otherwise).
 */
export interface StopReportJson {
  ok: false;
  code: StopCode;
  exit_code: number;
  message: string;
  run_id: string | null;
  step: string | null;
  written: string[] | null;
  not_written: string[] | null;
  runbook: string;
  next: string;
  where: InputLocation | null;
  issues: { path: string; message: string }[];
}

/** The keys of {@link StopReportJson}, in output order. */
export const STOP_REPORT_KEYS = ['ok', 'code', 'exit_code', 'message', 'run_id', 'step', 'written', 'not_written', 'runbook', 'next', 'where', 'issues'] as const;

/** What the CLI prints for a stop: the exit status (DESIGN §8), the JSON document, the text (stderr or stdout). */
export interface StopReport {
  exitCode: number;
  code: StopCode;
  json: StopReportJson;
  text: string;
}

/** Options of {@link stopReport}. */
export interface StopReportOptions {
  /** Values scrubbed from every string (the DSN password, configured secrets). */
  secrets?: readonly string[];
  /** Extra text lines printed after the `run_id:` line (e.g. the run's KB folder); scrubbed too. */
  context?: readonly string[];
}

/**
 * A machine stop as the cut/resume path knows it, for {@link stopReport}. Extra fields are ignored.
 */
export interface MachineStop {
  code: StopCode;
  message?: string | null;
  runId?: string | null;
  step?: string | null;
  written?: readonly string[] | null;
  notWritten?: readonly string[] | null;
  next?: string | null;
}

/**
 * Masks URL credentials (`scheme://user:***@`), `password=` / `sslpassword=` values, and every
 * secret (raw and URL-encoded) in `text`.
 */
export function scrubText(text: string, secrets: readonly string[] = []): string {
  return scrub(maskUrlCredentials(text).replace(/\b((?:ssl)?password=)[^&\s#'"]+/gi, '$1***'), secrets);
}

/**
 * Renders `subject` — anything thrown (a StopError, an InputError, a fact, an unexpected error) or
 * a {@link MachineStop} — as the exit status, the {@link StopReportJson} and its text:
 * the code is {@link stopCodeOf}, the words {@link describeStop} of the facts it carries. An
 * unexpected error (`STOP_INTERNAL`, exit 1) also gets its stack in the text, never in the JSON.
 * Never throws.
 *
 * @example stopReport(new InputError('no such run', { field: 'run_id' })).json.code === 'STOP_INPUT'
 */
export function stopReport(subject: unknown, options: StopReportOptions = {}): StopReport {
  const clean = (s: string): string => scrubText(s, options.secrets ?? []);
  const cleanList = (l: string[] | null): string[] | null => (l === null ? null : l.map(clean));
  const code = stopCodeOf(subject);
  const facts = factsOf(subject);
  const d = describeStop(code, facts);
  const exitCode = exitCodeFor(code);
  const json: StopReportJson = {
    ok: false,
    code,
    exit_code: exitCode,
    message: clean(d.message),
    run_id: facts.runId ?? null,
    step: facts.step ?? null,
    written: cleanList(d.written),
    not_written: cleanList(d.not_written),
    runbook: d.runbook,
    next: clean(d.next),
    where: facts.where === undefined || facts.where === null || Object.keys(facts.where).length === 0 ? null : { ...facts.where },
    issues: (facts.issues ?? []).map((i) => ({ path: i.path, message: clean(i.message) })),
  };
  return { exitCode, code, json, text: textOf(json, subject, options.context ?? [], clean) };
}

function textOf(j: StopReportJson, subject: unknown, context: readonly string[], clean: (s: string) => string): string {
  const where = j.where === null ? '' : formatLocation(j.where);
  const lines: string[] = [];
  if (j.code === 'STOP_INTERNAL') {
    const stack = subject instanceof Error && subject.stack !== undefined ? clean(subject.stack) : j.message;
    lines.push(`internal error STOP_INTERNAL (a bug, please report it with this text): ${stack}`);
  } else {
    const verb = j.code === 'STOP_INPUT' ? 'error' : j.exit_code === 10 ? 'paused' : 'stopped';
    lines.push(`${verb} ${j.code}: ${j.message}${where === '' ? '' : ` (${where})`}`);
  }
  for (const i of j.issues) lines.push(`  ${i.path}: ${i.message}`);
  if (j.run_id !== null) lines.push(`run_id: ${j.run_id}`);
  for (const c of context) lines.push(clean(c));
  if (j.step !== null) lines.push(`stopped in: ${j.step}`);
  if (j.written !== null) lines.push(`written${j.step === null ? '' : ` by ${j.step}`}: ${j.written.length === 0 ? 'nothing' : j.written.join('; ')}`);
  if (j.not_written !== null && j.not_written.length > 0) lines.push(`not written: ${j.not_written.join('; ')}`);
  lines.push(`runbook: ${j.runbook}`, `next: ${j.next}`);
  return lines.join('\n');
}
