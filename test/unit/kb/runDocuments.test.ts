import { describe, expect, test } from 'vitest';
import {
  RUN_DOCUMENTS,
  RUN_DOCUMENT_KEYS,
  approvalDocumentName,
  parseRunFolderListing,
  parseRunFolderName,
  runDocumentName,
} from '../../../src/kb/runDocuments.js';

// Reference §1, in upload order, written out by hand from the note.
const REFERENCE_NAMES = [
  '01-source-pin-<date>.md',
  '02-mark-<date>.md',
  '03-cutplan-<date>.md',
  '04-pre-write-backup-<date>.md',
  '05-grant-probe-<date>.md',
  'SG1-cut-authz-request-<date>.md',
  '06-cut-leg-a-<date>.md',
  '07-structural-verify-<date>.md',
  '08-leg-b-record-<date>.md',
  '09-write-verify-<date>.md',
  'SG2-lifecycle-authz-request-<date>.md',
  '10-lifecycle-enact-<date>.md',
  '11-final-orchestrator-report-<date>.md',
];

describe('run document names (reference §1)', () => {
  test('the table gives exactly the 13 reference names, in order', () => {
    expect(RUN_DOCUMENT_KEYS.map((key) => runDocumentName(key, '<date>'))).toEqual(REFERENCE_NAMES);
    expect(RUN_DOCUMENT_KEYS.map((key) => RUN_DOCUMENTS[key].order)).toEqual(REFERENCE_NAMES.map((_, i) => i + 1));
  });

  test('labels and phase names of the title line', () => {
    expect(RUN_DOCUMENT_KEYS.map((key) => RUN_DOCUMENTS[key].label)).toEqual([
      '01', '02', '03', '04', '05', 'SG1', '06', '07', '08', '09', 'SG2', '10', '11',
    ]);
    expect(RUN_DOCUMENTS.backup.phaseName).toBe('Pre-Write Backup');
    expect(RUN_DOCUMENTS.closeout.phaseName).toBe('Final Orchestrator Report');
    expect(RUN_DOCUMENTS.SG1.stem).toBe('SG1-cut-authz-request');
  });

  test('approval names take -2, -3 … for further approvals of the same gate (DESIGN §6)', () => {
    expect(approvalDocumentName('SG1', '20260520')).toBe('SG1-cut-authz-approval-20260520.md');
    expect(approvalDocumentName('SG2', '20260520')).toBe('SG2-lifecycle-authz-approval-20260520.md');
    expect(approvalDocumentName('SG1', '20260520', 2)).toBe('SG1-cut-authz-approval-20260520-2.md');
    expect(approvalDocumentName('SG2', '20260521', 11)).toBe('SG2-lifecycle-authz-approval-20260521-11.md');
  });

  test('the parser recognises every document and approval name and nothing else', () => {
    for (const key of RUN_DOCUMENT_KEYS) {
      expect(parseRunFolderName(runDocumentName(key, '20260520'))).toEqual({
        kind: 'document', key, date: '20260520', name: runDocumentName(key, '20260520'),
      });
    }
    expect(parseRunFolderName('SG1-cut-authz-approval-20260520-3.md')).toEqual({
      kind: 'approval', gate: 'SG1', date: '20260520', ordinal: 3, name: 'SG1-cut-authz-approval-20260520-3.md',
    });
    expect(parseRunFolderName('SG2-lifecycle-authz-approval-20260520.md')).toMatchObject({ gate: 'SG2', ordinal: 1 });
    for (const other of [
      '01-source-pin-20260230.md', // no 30 February
      '01a-source-pin-20260520.md',
      '02-mark-2026052.md',
      '02-mark-20260520.txt',
      'SG1-cut-authz-approval-20260520-1.md',
      'SG1-lifecycle-authz-approval-20260520.md', // gate and stem disagree
      'SG2-cut-authz-request-20260520.md',
      'notes.md',
    ]) {
      expect(parseRunFolderName(other)).toBeUndefined();
    }
  });

  test('a listing keeps only the recognised names', () => {
    const listing = ['README.md', '01-source-pin-20260520.md', 'SG1-cut-authz-approval-20260521-2.md', '.DS_Store'];
    expect(parseRunFolderListing(listing).map((file) => file.name)).toEqual([
      '01-source-pin-20260520.md',
      'SG1-cut-authz-approval-20260521-2.md',
    ]);
  });
});
