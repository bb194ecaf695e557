/**
 * Reads the front matter of a *verified* approval text (DESIGN §6). Call it only on the
 * cleartext returned by signature verification, never on the raw file.
 */
import { APPROVAL_FIELD_ORDER } from './approvalFields.js';
import { refuse, type ApprovalRefusal } from './approvalRefusal.js';
import { readFrontMatter } from './readFrontMatter.js';

/** Fields as read: binding fields checked for shape, `decision` left raw for the caller to judge. */
export interface ParsedApprovalText {
  ok: true;
  gate: string;
  run_id: string;
  request_sha256: string;
  reason: string;
  /** undefined when absent; any other value is reported by the caller as `decision_unknown` */
  decision: string | undefined;
}

/**
 * Expects the text to start with a `---` line, a YAML mapping, and a closing `---` line
 * (`readFrontMatter`). YAML is read with the failsafe schema (every scalar a string, so a digest
 * never becomes a number) and duplicate keys are an error (a second `decision:` cannot override
 * the first).
 *
 * @returns the fields or `malformed_front_matter` (missing delimiters, bad YAML, not a mapping,
 *   unknown keys, a missing or non-string gate / run_id / request_sha256 / reason, a request_sha256
 *   that is not 64 lowercase hex) — or `decision_unknown` when `decision` is not a string
 */
export function parseApprovalText(verifiedText: string): ParsedApprovalText | ApprovalRefusal {
  const read = readFrontMatter(verifiedText, 'failsafe');
  if (!read.ok) return read;
  const data = read.data;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return refuse('malformed_front_matter', 'the front matter is not a YAML mapping');
  const map = data as Record<string, unknown>;
  const unknown = Object.keys(map).filter((k) => !(APPROVAL_FIELD_ORDER as readonly string[]).includes(k));
  if (unknown.length > 0) return refuse('malformed_front_matter', `unknown front matter field(s): ${unknown.join(', ')}`);
  for (const field of ['gate', 'run_id', 'request_sha256', 'reason'] as const) {
    if (typeof map[field] !== 'string' || (map[field] as string).trim() === '') {
      return refuse('malformed_front_matter', `front matter field ${field} is missing or not a non-empty string`);
    }
  }
  const requestSha = map['request_sha256'] as string;
  if (!/^[0-9a-f]{64}$/.test(requestSha)) return refuse('malformed_front_matter', 'request_sha256 is not 64 lowercase hex');
  const decision = map['decision'] ?? undefined;
  if (decision !== undefined && typeof decision !== 'string') return refuse('decision_unknown', 'decision is not a plain word (approve | deny)');
  return {
    ok: true,
    gate: map['gate'] as string,
    run_id: map['run_id'] as string,
    request_sha256: requestSha,
    reason: map['reason'] as string,
    decision: decision === undefined || decision.trim() === '' ? undefined : decision,
  };
}
