/**
 * Text and progress output of `cut` / `resume` (DESIGN §8: stdout carries only results;
 * per-phase progress goes to stderr with elapsed ms).
 */
import type { Progress } from '../orchestrator/PhaseDeps.js';
import type { RunOutcome } from '../orchestrator/runCut.js';

/** A progress reporter writing one line per step event to `write` (stderr). */
export function stderrProgress(write: (s: string) => void): Progress {
  return {
    stepStarted: () => undefined,
    stepDone: (step, ms) => write(`  ✓ ${step.padEnd(18)} ${Math.round(ms)} ms\n`),
    stepFailed: (step, ms, code) => write(`  ■ ${step.padEnd(18)} ${Math.round(ms)} ms  ${code}\n`),
  };
}

/** Runbook anchor of a stop code (runbooks/README.md headings). */
export function runbookFor(code: string): string {
  if (code === 'AWAITING_SG1' || code === 'AWAITING_SG2') return 'runbooks/README.md#awaiting_sg1--awaiting_sg2';
  return `runbooks/README.md#${code.toLowerCase()}`;
}

/** Human summary of a run outcome: what happened, where, and what to run next. */
export function formatRunOutcome(o: RunOutcome): string {
  const lines: string[] = [];
  if (o.replayed_from !== null) {
    lines.push(`replayed_from=${o.replayed_from}: ${o.message}`);
  } else if (o.code === null) {
    lines.push(`done: ${o.message}`);
  } else {
    lines.push(`${o.code.startsWith('AWAITING') ? 'paused' : 'stopped'} ${o.code}: ${o.message}`);
  }
  lines.push(`run_id: ${o.run_id}`, `kb folder: ${o.kb_folder}`);
  if (o.pins.change_set_id) lines.push(`change_set_id: ${o.pins.change_set_id}`);
  if (o.code !== null) {
    const keys = Object.entries(o.keys).filter(([, v]) => v !== null && v !== undefined).map(([k]) => k);
    if (o.stop !== null) lines.push(`stopped in: ${o.stop.step}`);
    lines.push(`written so far (phase keys persisted): ${keys.length === 0 ? 'none' : keys.join(', ')}`);
    if (o.stop?.written) lines.push(`written by ${o.stop.step}: ${o.stop.written.length === 0 ? 'nothing' : o.stop.written.join('; ')}`);
    if (o.stop?.not_written) lines.push(`not written: ${o.stop.not_written.join('; ')}`);
    lines.push(`runbook: ${runbookFor(o.code)}`);
    lines.push(o.code.startsWith('AWAITING')
      ? `next: a sovereign runs orchestrate approve --run-id ${o.run_id} --gate ${o.code.slice(-3)} --key FILE; then orchestrate resume --run-id ${o.run_id}`
      : `next: ${o.stop?.next ?? `fix the cause, then orchestrate resume --run-id ${o.run_id}`}`);
  }
  return lines.join('\n');
}
