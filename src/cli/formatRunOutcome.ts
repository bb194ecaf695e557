/**
 * Text, JSON and progress output of `cut` / `resume` (DESIGN §8: stdout carries only results;
 * per-phase progress goes to stderr with elapsed ms). A stop or pause is rendered by
 * {@link stopReport}, the same renderer as every thrown error.
 */
import type { Progress } from '../orchestrator/PhaseDeps.js';
import type { RunOutcome } from '../orchestrator/runOutcome.js';
import type { StopCode } from '../errors.js';
import { stopReport, scrubText, type StopReportJson } from '../stops/stopReport.js';

export { runbookFor } from '../stops/describeStop.js';

/** A progress reporter writing one line per step event to `write` (stderr). */
export function stderrProgress(write: (s: string) => void): Progress {
  return {
    stepStarted: () => undefined,
    stepDone: (step, ms) => write(`  ✓ ${step.padEnd(18)} ${Math.round(ms)} ms\n`),
    stepFailed: (step, ms, code) => write(`  ■ ${step.padEnd(18)} ${Math.round(ms)} ms  ${code}\n`),
  };
}

/** The run fields every cut/resume JSON carries besides the outcome or the stop. */
interface RunFields {
  document_id: string;
  state: RunOutcome['state'];
  kb_folder: string;
  replayed_from: string | null;
  keys: RunOutcome['keys'];
  pins: RunOutcome['pins'];
}

/** `--json` of a finished (or replayed) cut/resume. */
export type RunDoneJson = { ok: true; code: null; exit_code: number; message: string; run_id: string; next: string } & RunFields;

/** `--json` of a stopped or paused cut/resume: the one stop shape plus the run fields. */
export type RunStopJson = StopReportJson & RunFields;

/** What `cut` / `resume` print: exit status, JSON document and text. */
export interface RunOutcomeReport {
  exitCode: number;
  json: RunDoneJson | RunStopJson;
  text: string;
}

/**
 * Renders a run outcome. A stop or pause goes through {@link stopReport} (code, run_id, step, what
 * was and was not written, runbook, next — the thrower's next or the code's default), with the KB
 * folder, the pinned change set and the persisted phase keys as context; every string is scrubbed
 * of `secrets` and URL credentials.
 */
export function runOutcomeReport(o: RunOutcome, secrets: readonly string[] = []): RunOutcomeReport {
  const run: RunFields = { document_id: o.document_id, state: o.state, kb_folder: o.kb_folder, replayed_from: o.replayed_from, keys: o.keys, pins: o.pins };
  const context = [`kb folder: ${o.kb_folder}`];
  if (o.pins.change_set_id) context.push(`change_set_id: ${o.pins.change_set_id}`);
  if (o.code === null) {
    const message = scrubText(o.message, secrets);
    const head = o.replayed_from !== null ? `replayed_from=${o.replayed_from}: ${message}` : `done: ${message}`;
    // A finished run's next step is the auditor's check of the run that holds the evidence.
    const next = `orchestrate verify ${o.replayed_from ?? o.run_id}`;
    return {
      exitCode: o.exitCode,
      json: { ok: true, code: null, exit_code: o.exitCode, message, run_id: o.run_id, next, ...run },
      text: [head, `run_id: ${o.run_id}`, ...context, `next: ${next}`].join('\n'),
    };
  }
  const keys = Object.entries(o.keys).filter(([, v]) => v !== null && v !== undefined).map(([k]) => k);
  context.push(`written so far (phase keys persisted): ${keys.length === 0 ? 'none' : keys.join(', ')}`);
  const r = stopReport(
    { code: o.code as StopCode, message: o.message, runId: o.run_id, step: o.stop?.step ?? null, written: o.stop?.written ?? null, notWritten: o.stop?.not_written ?? null, next: o.stop?.next ?? null },
    { secrets, context },
  );
  return { exitCode: r.exitCode, json: { ...r.json, ...run }, text: r.text };
}

/** Human summary of a run outcome: what happened, where, and what to run next. */
export function formatRunOutcome(o: RunOutcome, secrets: readonly string[] = []): string {
  return runOutcomeReport(o, secrets).text;
}
