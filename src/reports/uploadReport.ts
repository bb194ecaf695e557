/**
 * Render → scan → upload, in that order (DESIGN §7: a report is scanned before upload; a hit
 * blocks the upload).
 */
import type { KbStore, UploadResult } from '../kb/KbStore.js';
import type { ReportData } from './ReportData.js';
import { renderReport } from './renderReport.js';
import { assertNoSecrets } from './scanForSecrets.js';

/** Options of {@link uploadReport}. */
export interface UploadReportOptions {
  /** Configured secret values the scanner must not find. */
  secrets?: readonly string[];
  /** Phase or gate, for failpoints and the commit message. */
  scope?: string;
}

/** An upload result plus the exact text uploaded. */
export interface ReportUpload extends UploadResult {
  text: string;
}

/**
 * Renders `report`, scans the text, and only when clean uploads it to `relPath` through the KB.
 *
 * @throws ReportRejected when the data breaks the template rules (nothing uploaded)
 * @throws SecretFound when the scanner hits (nothing uploaded)
 * @throws KbPathTaken / UploadFailed from {@link KbStore.upload}
 */
export async function uploadReport(
  kb: Pick<KbStore, 'upload'>,
  relPath: string,
  report: ReportData,
  options: UploadReportOptions = {},
): Promise<ReportUpload> {
  const text = renderReport(report);
  assertNoSecrets(text, { secrets: options.secrets ?? [], where: relPath });
  const uploaded = await kb.upload(relPath, text, `${options.scope ?? report.kind}: ${relPath.split('/').pop() ?? relPath}`, {
    ...(options.scope === undefined ? {} : { scope: options.scope }),
  });
  return { ...uploaded, text };
}
