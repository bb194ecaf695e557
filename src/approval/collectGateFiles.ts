/**
 * The approval files of one gate as evidence (DESIGN §6): only what is committed on the KB branch
 * counts. A file found only in the work tree, or under a name the gate does not read, is reported
 * as refused with what to do, so a sovereign is never left wondering why the gate stays closed.
 */
import { createHash } from 'node:crypto';
import type { KbStore } from '../kb/KbStore.js';
import { APPROVAL_STEMS, parseRunFolderName, type GateKey } from '../kb/runDocuments.js';
import type { RefusedApproval } from '../../machines/types.js';
import type { ApprovalFile } from './evaluateGateApprovals.js';

/** What {@link collectGateFiles} found for one gate. */
export interface GateFiles {
  /** Committed approval files of the gate, with their committed bytes (never the work tree's). */
  committed: ApprovalFile[];
  /** Files that cannot count, each with reason `not_committed` or `misnamed` and what to do. */
  refused: RefusedApproval[];
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/**
 * Whether an unrecognised run-folder file looks meant as an approval of `gate`: a name starting with
 * the gate (`SG1…`, any case), or naming an approval or a signature (`.asc`, `.sig`, `.gpg`), and
 * not naming the other gate. Dotfiles and other unrelated files are left alone.
 */
function meantFor(gate: GateKey, name: string): boolean {
  if (name.startsWith('.')) return false;
  const other = gate === 'SG1' ? 'sg2' : 'sg1';
  const lower = name.toLowerCase();
  if (lower.startsWith(other)) return false;
  return lower.startsWith(gate.toLowerCase()) || lower.includes('approval') || /\.(asc|sig|gpg)$/.test(lower);
}

/**
 * Lists the gate's approval files in `folder`: committed ones are read from the commit at HEAD
 * (after the caller synced the branch); the work tree is only looked at to report what cannot count.
 *
 * @param kb - the KB store (HEAD is the synced branch)
 * @param folder - the run folder, KB-relative
 * @param gate - SG1 or SG2
 * @returns committed files, and refusals `not_committed` (present in the work tree only) and
 *   `misnamed` (an approval-like name the gate does not read), sorted by name
 * @throws the KB's read errors (git or file system)
 */
export async function collectGateFiles(kb: KbStore, folder: string, gate: GateKey): Promise<GateFiles> {
  const prefix = `${folder}/`;
  const committedIds = new Map<string, string>();
  for (const [relPath, id] of await kb.blobIds(folder)) {
    if (relPath.startsWith(prefix) && !relPath.slice(prefix.length).includes('/')) committedIds.set(relPath.slice(prefix.length), id);
  }
  const inWorkTree = new Set(await kb.list(folder));
  const names = [...new Set([...committedIds.keys(), ...inWorkTree])].sort();
  const committed: ApprovalFile[] = [];
  const refused: RefusedApproval[] = [];
  const expectedName = `${APPROVAL_STEMS[gate]}-<yyyymmdd>[-<n>].md`;
  for (const name of names) {
    const parsed = parseRunFolderName(name);
    const id = committedIds.get(name);
    const bytes = async (): Promise<Uint8Array> => (id !== undefined ? kb.readBlob(id) : kb.read(`${folder}/${name}`));
    if (parsed?.kind === 'approval') {
      if (parsed.gate !== gate) continue;
      if (id !== undefined) {
        committed.push({ name, bytes: await kb.readBlob(id) });
      } else {
        refused.push({
          name,
          sha256: sha256(await bytes()),
          reason: 'not_committed',
          message: `found in the KB work tree but not committed: only committed files are evidence (DESIGN §6); commit and push it (git add ${folder}/${name} && git commit && git push)`,
        });
      }
    } else if (parsed === undefined && meantFor(gate, name)) {
      refused.push({
        name,
        sha256: sha256(await bytes()),
        reason: 'misnamed',
        message: `not read as a ${gate} approval: the name must be ${expectedName}; commit the signed text under that name (gpg --clearsign --output ${APPROVAL_STEMS[gate]}-<yyyymmdd>.md <draft>) and push; this file stays, refused (every path keeps its one commit)`,
      });
    }
  }
  return { committed, refused };
}
