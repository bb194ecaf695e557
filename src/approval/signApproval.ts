/**
 * Writes and signs one approval (DESIGN §6): the core of `orchestrate approve`.
 */
import type { ApprovalFields } from './approvalFields.js';
import { buildApprovalText } from './buildApprovalText.js';
import { signCleartext } from './signCleartext.js';

/**
 * @param fields - gate, run_id, request_sha256, decision, reason
 * @param privateKeyArmored - the sovereign's private key (a secret: never logged)
 * @param passphrase - unlocks a protected key
 * @param options - `date`: signature creation time (defaults to now)
 * @returns the armored cleartext-signed approval, ready to save as
 *   `SG1-cut-authz-approval-<date>.md` in the run's KB folder
 * @throws InputError on invalid fields or an unusable key / passphrase
 */
export async function signApproval(
  fields: ApprovalFields,
  privateKeyArmored: string,
  passphrase?: string,
  options: { date?: Date } = {},
): Promise<string> {
  return signCleartext(buildApprovalText(fields), privateKeyArmored, passphrase, options.date);
}
