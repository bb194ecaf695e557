/**
 * Report data that breaks the template rules (reference §2, DESIGN §7). A programming error in the
 * calling phase, not a user mistake: nothing is uploaded.
 */

/** One broken rule: `field` is a dot path into {@link ReportData} (or `text` for the output). */
export interface ReportIssue {
  field: string;
  message: string;
}

/** Thrown by `renderReport` with every issue found. */
export class ReportRejected extends Error {
  override readonly name = 'ReportRejected';
  constructor(readonly issues: readonly ReportIssue[]) {
    super(`report rejected: ${issues.map((issue) => `${issue.field}: ${issue.message}`).join('; ')}`);
  }
}
