/**
 * Isolates the one cleartext-signed block of an approval file and refuses anything around it
 * (DESIGN §6): text outside the signature is not covered by it, so a reader (human or parser)
 * could be fooled by fields placed there.
 */
import { refuse, type ApprovalRefusal } from './approvalRefusal.js';

const BEGIN = '-----BEGIN PGP SIGNED MESSAGE-----';
const END = '-----END PGP SIGNATURE-----';

/**
 * Markers are matched as whole lines (trailing whitespace ignored). Inside a signed block every
 * line of the signed text starting with `-` is dash-escaped (`- -----BEGIN…`), so a marker quoted
 * in the signed text never counts.
 *
 * @returns the block from its BEGIN line through its END line, or a refusal:
 *   `unsigned`, `multiple_signed_blocks`, `unsigned_text_outside` or `malformed_signature`
 */
export function extractSignedBlock(text: string): { ok: true; block: string } | ApprovalRefusal {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const begins = lines.flatMap((l, i) => (l.trimEnd() === BEGIN ? [i] : []));
  const ends = lines.flatMap((l, i) => (l.trimEnd() === END ? [i] : []));
  if (begins.length === 0) {
    const other = lines.some((l) => /^-----BEGIN PGP (MESSAGE|SIGNATURE)-----\s*$/.test(l));
    return refuse('unsigned', other ? 'not a cleartext-signed message (sign with gpg --clearsign)' : 'the file carries no OpenPGP cleartext signature');
  }
  if (begins.length > 1 || ends.length > 1) return refuse('multiple_signed_blocks', `the file holds ${Math.max(begins.length, ends.length)} signed blocks; exactly one is allowed`);
  const begin = begins[0] ?? 0;
  const end = ends[0];
  if (end === undefined || end < begin) return refuse('malformed_signature', 'the signed block has no -----END PGP SIGNATURE----- line after its BEGIN line');
  const before = lines.slice(0, begin).join('\n');
  const after = lines.slice(end + 1).join('\n');
  if (before.trim() !== '' || after.trim() !== '') {
    const where = before.trim() !== '' ? `before line ${begin + 1}` : `after line ${end + 1}`;
    return refuse('unsigned_text_outside', `unsigned text ${where}: only the signed block may be in the file`);
  }
  return { ok: true, block: `${lines.slice(begin, end + 1).join('\n')}\n` };
}
