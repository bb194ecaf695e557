/**
 * A real workspace for end-to-end cut tests: `orchestrate init`, a sovereign key in the trusted
 * keyring (also the backup recipient), documents added through the real `document add` — fixture
 * statutes of this repository, or the real laws of ../shared/corpus (only for tests about a real
 * law, gated on the corpus: test/support/corpus.ts) — and PGlite or a real PostgreSQL database.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../../src/config/configSchema.js';
import { loadConfig } from '../../src/config/loadConfig.js';
import { init } from '../../src/commands/init.js';
import { documentAdd } from '../../src/commands/documentAdd.js';
import { keysGenerate } from '../../src/commands/keysGenerate.js';
import { approve } from '../../src/commands/approve.js';
import { openKb } from '../../src/kb/openKb.js';
import type { Progress } from '../../src/orchestrator/PhaseDeps.js';
import { corpusSourcePath, FIXTURE_TEXTS, layoutFixture, SAMPLE_STATUTE } from './corpus.js';
import { makeTempDir } from './sovereignKeys.js';
import { seedPglite } from './pgliteTemplate.js';

/**
 * The documents a workspace can hold, with the vocabulary each uses: two fixture statutes of this
 * repository (`sample-ora`: the shipped sample statute with its own vocabulary file; `readers`: a
 * declaration in the UDHR layout with the shipped `udhr` vocabulary; `basic-law`: the lettered
 * constitution of issue 10, with its own vocabulary file) and the three real laws of the
 * corpus (absent in a fresh clone: tests adding them must be gated on the corpus).
 */
export const LAWS = {
  'sample-ora': { docPrefix: SAMPLE_STATUTE.docPrefix, title: SAMPLE_STATUTE.title, source: SAMPLE_STATUTE.source, vocab: SAMPLE_STATUTE.vocab },
  readers: { docPrefix: 'READERS', title: 'Model Declaration of the Rights of Readers', source: FIXTURE_TEXTS.readersDeclaration, vocab: 'udhr' },
  'basic-law': { docPrefix: 'BASIC-LAW', title: 'Model Basic Law', ...layoutFixture('lettered-constitution') },
  'us-const': { docPrefix: 'US-CONST', title: 'Constitution of the United States', source: corpusSourcePath('us-constitution'), vocab: 'nara-us-constitution' },
  'un-udhr': { docPrefix: 'UN-UDHR', title: 'Universal Declaration of Human Rights', source: corpusSourcePath('udhr'), vocab: 'udhr' },
  'eu-gdpr': { docPrefix: 'EU-GDPR', title: 'General Data Protection Regulation', source: corpusSourcePath('gdpr'), vocab: 'eu-regulation-eurlex' },
} as const;

/** The real laws of {@link LAWS} (they need ../shared/corpus). */
export const REAL_LAWS = ['un-udhr', 'us-const', 'eu-gdpr'] as const;

/** A law-id of {@link LAWS}. */
export type LawId = keyof typeof LAWS;

/** The workspace and how to act in it. */
export interface CutWorkspace {
  dir: string;
  env: NodeJS.ProcessEnv;
  config: Config;
  /** The sovereign's private key file (trusted in the keyring). */
  sovereignKey: string;
  fingerprint: string;
  approve(runId: string, gate: 'SG1' | 'SG2', opts?: { deny?: boolean; reason?: string; keyFile?: string }): Promise<string>;
}

/** A progress reporter that records `step code` lines (tests assert on them). */
export function recordingProgress(lines: string[] = []): Progress & { lines: string[] } {
  return {
    lines,
    stepStarted: () => undefined,
    stepDone: (step) => lines.push(`${step} done`),
    stepFailed: (step, _ms, code) => lines.push(`${step} ${code}`),
  };
}

/**
 * Makes the workspace and adds `laws`. `databaseUrl` selects real PostgreSQL (else PGlite in the
 * workspace). KB retries start at 0 ms so failing-remote tests do not sleep.
 */
export async function makeCutWorkspace(options: { laws: LawId[]; databaseUrl?: string; extraEnv?: NodeJS.ProcessEnv }): Promise<CutWorkspace> {
  const dir = await makeTempDir('orchestrate-cut-');
  await init({ dir, cwd: dir, env: {} });
  const key = await keysGenerate({ name: 'Test Sovereign', email: 'sovereign@example.org', fileStem: 'sovereign', out: path.join(dir, 'sovereign'), cwd: dir, noPassphrase: true });
  await writeFile(path.join(dir, 'keyring', 'sovereign.pub.asc'), await import('node:fs/promises').then((fs) => fs.readFile(key.publicKey)));
  await writeFile(path.join(dir, 'orchestrate.yaml'), 'kb:\n  retry_min_ms: 0\nbackup:\n  recipients: [keyring/sovereign.pub.asc]\nactor: tester@ci\n');
  const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'], HOME: process.env['HOME'], ...(options.databaseUrl === undefined ? {} : { DATABASE_URL: options.databaseUrl }), ...(options.extraEnv ?? {}) };
  const config = await loadConfig({ workspace: dir, env });
  if (config.databaseUrl === undefined) await seedPglite(config.pgliteDir);
  const kb = await openKb({ dir: config.kbDir });
  for (const lawId of options.laws) {
    const law = LAWS[lawId];
    await documentAdd({ cwd: dir, kbDir: config.kbDir, lawId, docPrefix: law.docPrefix, title: law.title, source: law.source, vocab: law.vocab, kb });
  }
  return {
    dir,
    env,
    config,
    sovereignKey: key.privateKey,
    fingerprint: key.fingerprint,
    async approve(runId, gate, opts = {}) {
      const r = await approve({ config, cwd: dir, runId, gate, keyFile: opts.keyFile ?? key.privateKey, ...(opts.deny === true ? { deny: true, reason: opts.reason ?? 'denied in test' } : {}) });
      return r.json.path;
    },
  };
}
