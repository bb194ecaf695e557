/**
 * The commander program: declares the commands; each command is a function in `src/commands/`
 * taking an options object. `--json` on every command puts the result (or the error) on stdout as
 * one JSON document; progress goes to stderr (DESIGN §8, issue 5).
 *
 * Lazy start (issue 11): this module imports only commander and the exit codes. Each action loads
 * its command's modules with `import()` when it runs, so `--help`, usage errors and `failpoints`
 * never load openpgp, pg, PGlite, simple-git, xstate, zod or yaml.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import type { Config } from '../config/configSchema.js';
import { EXIT, InputError } from '../errors.js';
import { packageRoot } from '../packageRoot.js';
import { normaliseRunId } from '../runId.js';
import { pickRunIdArgument, resolveRunId } from './resolveRunId.js';

/** The package's version (package.json), for `--version`. */
function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** Printed after the main help: exit codes (DESIGN §8) and a first session. */
const MAIN_HELP_AFTER = `
Exit codes:
  0   done (or an idempotent replay)
  10  paused at a sovereign gate (AWAITING_SG1 / AWAITING_SG2)
  20  stopped (STOP_… code; the message names the runbook section)
  2   bad usage or bad input (STOP_INPUT); nothing was changed

Examples:
  orchestrate init --backup-recipient keyring/ada.pub.asc
  orchestrate document add --law-id us-const --doc-prefix US-CONST --title "Constitution of the United States" \\
    --source constitution.txt --vocab nara-us-constitution
  orchestrate plan --document-id us-const
  orchestrate cut --document-id us-const
  orchestrate approve <run_id> --gate SG1 --key ~/keys/ada.sec.asc
  orchestrate resume <run_id>
  orchestrate verify <run_id> --kb-only

A run id may be shortened to a unique prefix of 6 or more hex digits (01a24944-1cdb).

Every command takes --json (one JSON document on stdout, errors too) and -w <workspace>.`;

/** The text after a command's own help: examples and exit codes (issue 12). */
function commandHelp(examples: readonly string[], exitCodes: string): string {
  return `\nExamples:\n${examples.map((e) => `  ${e}`).join('\n')}\n\nExit codes: ${exitCodes}`;
}

/** Where the CLI writes; tests capture it. */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Asks a yes/no question on the terminal; absent when there is none (then `approve` needs `--yes`). */
  confirm?: (question: string) => Promise<boolean>;
}

/**
 * `--run-id` as given, or its canonical hyphenated form when it is a UUID written without hyphens
 * (the runs-index's compact form) or in upper case; anything else is left for the command to refuse.
 */
function runIdArg(value: string): string {
  return normaliseRunId(value) ?? value;
}

const RUN_ID_HELP = 'the run id (also accepted as the argument): whole, with or without hyphens, or a unique prefix of at least 6 hex digits';

/** The run id given as argument or `--run-id`, resolved (unique prefixes) against what this host sees. */
async function runIdOf(positional: string | undefined, option: string | undefined, c: Config): Promise<string> {
  return resolveRunId(pickRunIdArgument(positional, option, true) as string, c);
}

interface GlobalOptions {
  workspace?: string;
}

/** A command's outcome: what to print, and the exit status. */
export interface CommandOutcome {
  json: unknown;
  text: string;
  exitCode?: number;
}

/**
 * Builds the program. Every action sets `state.exitCode`; nothing calls `process.exit` here.
 */
export function buildProgram(io: CliIO, state: { exitCode: number }): Command {
  const program = new Command('orchestrate')
    .description('Governed-cut orchestrator: one law version into hashed information units under sovereign-signed approval')
    .option('-w, --workspace <dir>', 'workspace directory holding orchestrate.yaml (env ORCHESTRATE_WORKSPACE)', io.env['ORCHESTRATE_WORKSPACE'] ?? '.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .showHelpAfterError()
    .addHelpText('after', MAIN_HELP_AFTER)
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) })
    .exitOverride();

  let secrets: string[] = [];
  const config = async (): Promise<Config> => {
    const g = program.opts<GlobalOptions>();
    const { loadConfig } = await import('../config/loadConfig.js');
    const c = await loadConfig({ workspace: g.workspace ?? '.', env: io.env, cwd: io.cwd });
    secrets = c.secrets;
    return c;
  };

  /** Runs one command body with the shared output and error handling. */
  const run = (json: boolean, body: () => Promise<CommandOutcome>) => async (): Promise<void> => {
    try {
      const out = await body();
      if (json) io.stdout(`${JSON.stringify(out.json, null, 2)}\n`);
      else if (out.text !== '') io.stdout(out.text.endsWith('\n') ? out.text : `${out.text}\n`);
      state.exitCode = out.exitCode ?? EXIT.ok;
    } catch (err) {
      const { reportError } = await import('./reportError.js');
      const r = reportError(err, secrets);
      if (json) io.stdout(`${JSON.stringify(r.json, null, 2)}\n`);
      io.stderr(`${r.text}\n`);
      state.exitCode = r.exitCode;
    }
  };

  const db = program.command('db').description('database schema commands');
  db.command('migrate')
    .description('apply pending schema migrations (checksummed; an edited applied migration is refused)')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { json?: boolean }) =>
      run(opts.json === true, async () => {
        const { dbMigrate } = await import('../commands/dbMigrate.js');
        const r = await dbMigrate({ config: await config() });
        const text = r.applied.length === 0
          ? `schema up to date on ${r.engine} (${r.alreadyApplied.length} migrations applied earlier)`
          : `applied on ${r.engine}: ${r.applied.map((m) => m.id).join(', ')}`;
        return { json: { ok: true, engine: r.engine, applied: r.applied, already_applied: r.alreadyApplied }, text };
      })(),
    );
  db.command('verify')
    .description("run every migration's verify query against the live schema")
    .option('--json', 'print the result as JSON')
    .action(async (opts: { json?: boolean }) =>
      run(opts.json === true, async () => {
        const { dbVerify } = await import('../commands/dbMigrate.js');
        const r = await dbVerify({ config: await config() });
        const text = r.results.map((x) => `${x.ok ? 'ok  ' : 'FAIL'} ${x.id}`).join('\n');
        return { json: r, text, exitCode: r.ok ? EXIT.ok : EXIT.stopped };
      })(),
    );

  program
    .command('failpoints', { hidden: true })
    .description('test-only: list every failpoint name (ORCHESTRATE_FAILPOINT=<name> kills the process there, for crash tests)')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { json?: boolean }) =>
      run(opts.json === true, async () => {
        const { listFailpoints } = await import('../failpoints/failpoint.js');
        const names = listFailpoints();
        return { json: { failpoints: names }, text: names.join('\n') };
      })(),
    );

  program
    .command('init [dir]')
    .description('create a workspace: orchestrate.yaml, a KB git repository, sidecars/ and keyring/ (existing files are kept)')
    .addHelpText('after', commandHelp(['orchestrate init ~/cuts --backup-recipient ~/ada-keys/ada-lovelace.pub.asc', 'orchestrate -w ~/cuts init --json'], '0 created or kept; 2 bad input (a missing key file: nothing written)'))
    .option('--backup-recipient <file...>', 'armored public key file(s) the pre-write backup is encrypted to: sets backup.recipients in orchestrate.yaml (comments kept)')
    .option('--json', 'print the result as JSON')
    .action(async (dir: string | undefined, opts: { backupRecipient?: string[]; json?: boolean }) =>
      run(opts.json === true, async () => {
        const { init } = await import('../commands/init.js');
        const r = await init({ dir: dir ?? program.opts<GlobalOptions>().workspace ?? '.', cwd: io.cwd, env: io.env, ...(opts.backupRecipient === undefined ? {} : { backupRecipients: opts.backupRecipient }) });
        const next = r.updated.length > 0
          ? 'orchestrate document add --law-id … --doc-prefix … --title … --source FILE --vocab NAME|FILE'
          : 'a sovereign\'s public key in keyring/ (orchestrate keys generate) and orchestrate init --backup-recipient keyring/<key>.pub.asc, then orchestrate document add …';
        const text = [`workspace ${r.workspace}`, ...r.created.map((c) => `  created ${c}`), ...r.kept.map((k) => `  kept    ${k}`), ...r.updated.map((u) => `  set     ${u}`), `next: ${next}`].join('\n');
        return { json: { ok: true, ...r, next }, text };
      })(),
    );

  program
    .command('cut')
    .description('run a governed cut of the document\'s current source version (11 phases, 2 sovereign gates)')
    .addHelpText('after', commandHelp(['orchestrate cut --document-id us-const', 'orchestrate cut --document-id us-const --json'], '0 done or an idempotent replay; 10 paused at SG1; 20 stopped; 2 bad input or a failed preflight (nothing created)'))
    .requiredOption('--document-id <law-id>', 'the law-id, e.g. us-const')
    .option('--json', 'print the outcome as JSON')
    .action(async (opts: { documentId: string; json?: boolean }) =>
      run(opts.json === true, async () => {
        const [{ cut }, { runOutcomeReport, stderrProgress }] = await Promise.all([import('../commands/cut.js'), import('./formatRunOutcome.js')]);
        const o = await cut({ config: await config(), documentId: opts.documentId, progress: stderrProgress(io.stderr) });
        const r = runOutcomeReport(o, secrets);
        return { json: r.json, text: r.text, exitCode: r.exitCode };
      })(),
    );

  program
    .command('resume [run-id]')
    .description('resume a stopped or paused run from its sidecar (persisted keys are re-validated, never recomputed)')
    .addHelpText('after', commandHelp(['orchestrate resume 01a24944-1cdb-7fae-b3b3-0f967fff101b', 'orchestrate resume 01a249441cdb      # a unique prefix'], '0 done; 10 paused at the next gate; 20 stopped (the message names the runbook section); 2 bad input'))
    .option('--run-id <run-id>', RUN_ID_HELP, runIdArg)
    .option('--json', 'print the outcome as JSON')
    .action(async (positional: string | undefined, opts: { runId?: string; json?: boolean }) =>
      run(opts.json === true, async () => {
        const [{ resume }, { runOutcomeReport, stderrProgress }] = await Promise.all([import('../commands/resume.js'), import('./formatRunOutcome.js')]);
        const c = await config();
        const o = await resume({ config: c, runId: await runIdOf(positional, opts.runId, c), progress: stderrProgress(io.stderr) });
        const r = runOutcomeReport(o, secrets);
        return { json: r.json, text: r.text, exitCode: r.exitCode };
      })(),
    );

  const passphrase = (): { passphrase?: string } => (io.env['ORCHESTRATE_KEY_PASSPHRASE'] === undefined ? {} : { passphrase: io.env['ORCHESTRATE_KEY_PASSPHRASE'] });

  program
    .command('approve [run-id]')
    .description('sovereign helper: sign an approval (or a deny) of the uploaded gate request and commit it into the run folder')
    .addHelpText('after', commandHelp(['ORCHESTRATE_KEY_PASSPHRASE=… orchestrate approve 01a249441cdb --gate SG1 --key ~/ada-keys/ada-lovelace.sec.asc', 'orchestrate approve --run-folder knowledge/dev/laws/us-const/v…-automation-cut-20261206 --gate SG2 --key ada.sec.asc --yes', 'orchestrate approve 01a249441cdb --gate SG1 --key ada.sec.asc --deny --reason "wrong source version"'], '0 signed and committed; 2 bad input or declined (nothing committed)'))
    .option('--run-id <run-id>', RUN_ID_HELP, runIdArg)
    .option('--run-folder <path>', 'the run folder in a KB clone: approve from the KB alone, without the operator\'s sidecar')
    .requiredOption('--gate <gate>', 'SG1 or SG2')
    .requiredOption('--key <file>', "the sovereign's armored private key (passphrase from ORCHESTRATE_KEY_PASSPHRASE)")
    .option('--deny', 'sign a deny instead of an approval (needs --reason)')
    .option('--reason <text>', 'why (required with --deny)')
    .option('--yes', 'sign without asking (scripts: read the request first); without a terminal it is required')
    .option('--json', 'print the result as JSON')
    .action(async (positional: string | undefined, opts: { runId?: string; runFolder?: string; gate: string; key: string; deny?: boolean; reason?: string; yes?: boolean; json?: boolean }) =>
      run(opts.json === true, async () => {
        const { approve } = await import('../commands/approve.js');
        const c = await config();
        const runId = pickRunIdArgument(positional, opts.runId, false) === undefined ? undefined : await runIdOf(positional, opts.runId, c);
        const ask = io.confirm;
        if (opts.yes !== true && ask === undefined) {
          throw new InputError('approve shows the request and asks before signing, and there is no terminal to ask on', { field: 'yes' }, [], 'read the request in the run folder, then pass --yes');
        }
        const confirm = opts.yes === true || ask === undefined ? {} : { confirm: (summary: string) => ask(`${summary}\n\nSign this ${opts.deny === true ? 'deny' : 'approval'}? [y/N] `) };
        const r = await approve({
          config: c, cwd: io.cwd, gate: opts.gate, keyFile: opts.key, ...passphrase(), ...confirm,
          ...(runId === undefined ? {} : { runId }), ...(opts.runFolder === undefined ? {} : { runFolder: opts.runFolder }),
          ...(opts.deny === true ? { deny: true } : {}), ...(opts.reason === undefined ? {} : { reason: opts.reason }),
        });
        return { json: r.json, text: r.text };
      })(),
    );

  program
    .command('status [run-id]')
    .description('phase, keys, stop and gate waiting time of one run, or one line per run')
    .addHelpText('after', commandHelp(['orchestrate status', 'orchestrate status 01a249441cdb', 'orchestrate status --waiting --older-than 24h'], '0 always (each run\'s state is in the output)'))
    .option('--run-id <run-id>', `one run in detail: ${RUN_ID_HELP}`, runIdArg)
    .option('--waiting', 'only runs paused at a sovereign gate')
    .option('--older-than <duration>', 'with --waiting: only gates waiting longer than this (30m, 24h, 7d)')
    .option('--json', 'print the result as JSON')
    .action(async (positional: string | undefined, opts: { runId?: string; waiting?: boolean; olderThan?: string; json?: boolean }) =>
      run(opts.json === true, async () => {
        const { parseDuration, status } = await import('../commands/status.js');
        const c = await config();
        const runId = pickRunIdArgument(positional, opts.runId, false) === undefined ? undefined : await runIdOf(positional, opts.runId, c);
        const r = await status({ config: c, ...(runId === undefined ? {} : { runId }), ...(opts.waiting === true ? { waiting: true } : {}), ...(opts.olderThan === undefined ? {} : { olderThanMs: parseDuration(opts.olderThan) }) });
        return { json: r.json, text: r.text };
      })(),
    );

  program
    .command('runs')
    .description('the runs-index of the KB, parsed (one line per run)')
    .addHelpText('after', commandHelp(['orchestrate runs', 'orchestrate runs --document-id us-const --state done --json'], '0 always (lines that do not parse are listed as issues)'))
    .option('--document-id <law-id>', 'only runs of this document')
    .option('--state <state>', 'only runs in this state')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { documentId?: string; state?: string; json?: boolean }) =>
      run(opts.json === true, async () => {
        const { runs } = await import('../commands/runs.js');
        const r = await runs({ config: await config(), ...(opts.documentId === undefined ? {} : { documentId: opts.documentId }), ...(opts.state === undefined ? {} : { state: opts.state }) });
        return { json: r.json, text: r.text };
      })(),
    );

  program
    .command('verify [run-id]')
    .description("the auditor's check of a run from the KB, the sidecar and the database; non-zero exit naming each mismatch")
    .addHelpText('after', commandHelp(['orchestrate verify 01a249441cdb', 'orchestrate verify 01a249441cdb --kb-only      # from a KB clone and the keyring alone'], '0 every check passed; 20 a mismatch (each one named); 2 bad input'))
    .option('--run-id <run-id>', RUN_ID_HELP, runIdArg)
    .option('--kb-only', 'verify from the KB clone and the trusted keyring alone (automatic when the run has no sidecar here); DB rows only with DATABASE_URL')
    .option('--json', 'print the result as JSON')
    .action(async (positional: string | undefined, opts: { runId?: string; kbOnly?: boolean; json?: boolean }) =>
      run(opts.json === true, async () => {
        const { verify } = await import('../commands/verify.js');
        const c = await config();
        return verify({ config: c, runId: await runIdOf(positional, opts.runId, c), kbOnly: opts.kbOnly === true });
      })(),
    );

  program
    .command('void [run-id]')
    .description("sovereign void of a run's change set (signed VOID document + change_set_void row); frees the document for a new run")
    .addHelpText('after', commandHelp(['ORCHESTRATE_KEY_PASSPHRASE=… orchestrate void 01a249441cdb --key ~/ada-keys/ada-lovelace.sec.asc --reason "cut of the wrong version"'], '0 voided; 2 bad input (nothing changed); 20 stopped (database or KB unavailable)'))
    .option('--run-id <run-id>', RUN_ID_HELP, runIdArg)
    .requiredOption('--key <file>', "the sovereign's armored private key (passphrase from ORCHESTRATE_KEY_PASSPHRASE)")
    .requiredOption('--reason <text>', 'why the run is voided')
    .option('--json', 'print the result as JSON')
    .action(async (positional: string | undefined, opts: { runId?: string; key: string; reason: string; json?: boolean }) =>
      run(opts.json === true, async () => {
        const { voidRun } = await import('../commands/void.js');
        const c = await config();
        const r = await voidRun({ config: c, cwd: io.cwd, runId: await runIdOf(positional, opts.runId, c), keyFile: opts.key, reason: opts.reason, ...passphrase() });
        return { json: r.json, text: r.text };
      })(),
    );

  const document = program.command('document').description('documents in the KB');
  document
    .command('add')
    .description('copy a law source into the KB with its document.yaml and commit both')
    .addHelpText('after', commandHelp(['orchestrate document add --law-id us-const --doc-prefix US-CONST --title "Constitution of the United States" --source constitution.txt --vocab nara-us-constitution', 'orchestrate document add --law-id model-act --doc-prefix MODEL-ACT --title "Model Act" --source act.txt --vocab my-layout.yaml'], '0 added (commits in the KB); 2 bad input (nothing committed)'))
    .requiredOption('--law-id <id>', 'lowercase slug of the doc prefix, e.g. us-const')
    .requiredOption('--doc-prefix <prefix>', 'canonical address prefix, e.g. US-CONST')
    .requiredOption('--title <title>', 'document title')
    .requiredOption('--source <file>', 'source text file (UTF-8)')
    .requiredOption('--vocab <name|file>', 'shipped vocabulary name (knowledge/vocab) or a vocabulary YAML file')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { lawId: string; docPrefix: string; title: string; source: string; vocab: string; json?: boolean }) =>
      run(opts.json === true, async () => {
        const c = await config();
        const [{ openKb }, { documentAdd }] = await Promise.all([import('../kb/openKb.js'), import('../commands/documentAdd.js')]);
        const kb = await openKb({ dir: c.kbDir });
        const r = await documentAdd({ cwd: io.cwd, kbDir: c.kbDir, lawId: opts.lawId, docPrefix: opts.docPrefix, title: opts.title, source: opts.source, vocab: opts.vocab, kb });
        const { text, ...json } = r;
        return { json: { ok: true, ...json }, text };
      })(),
    );

  program
    .command('plan')
    .description('dry run: mark and cut plan of the current source version, no database write')
    .addHelpText('after', commandHelp(['orchestrate plan --document-id us-const', 'orchestrate plan --document-id us-const --json > plan.json'], '0 planned (read the warnings); 2 bad input'))
    .requiredOption('--document-id <law-id>', 'the law-id, e.g. us-const')
    .option('--json', 'print the full plan as JSON')
    .action(async (opts: { documentId: string; json?: boolean }) =>
      run(opts.json === true, async () => {
        const c = await config();
        const { plan } = await import('../commands/plan.js');
        return plan({ kbDir: c.kbDir, documentId: opts.documentId, json: opts.json === true });
      })(),
    );

  const keys = program.command('keys').description('sovereign keys');
  keys
    .command('generate')
    .description('generate a GnuPG-compatible sovereign key pair: <stem>.pub.asc (for the keyring), <stem>.sec.asc, <stem>.rev.asc; the passphrase is read from ORCHESTRATE_KEY_PASSPHRASE')
    .requiredOption('--name <name>', 'the user ID\'s name, e.g. "Ada Lovelace" (or a whole user ID "Ada Lovelace <ada@example.org>")')
    .requiredOption('--out <dir>', 'directory to write the key files to')
    .option('--email <email>', 'the user ID\'s email, e.g. ada@example.org')
    .option('--file-stem <stem>', 'file stem of the three files (default: from the name, e.g. ada-lovelace)')
    .option('--no-passphrase', 'write an unprotected private key on purpose (a warning says so)')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExamples:\n  ORCHESTRATE_KEY_PASSPHRASE=… orchestrate keys generate --name "Ada Lovelace" --email ada@example.org --out ~/ada-keys\n  orchestrate keys generate --name "Demo Sovereign" --out ./keys --no-passphrase\n\nExit codes: 0 written; 2 bad input (nothing written)')
    .action(async (opts: { name: string; out: string; email?: string; fileStem?: string; passphrase: boolean; json?: boolean }) =>
      run(opts.json === true, async () => {
        const { keysGenerate } = await import('../commands/keysGenerate.js');
        const passphrase = io.env['ORCHESTRATE_KEY_PASSPHRASE'];
        const r = await keysGenerate({
          name: opts.name,
          out: opts.out,
          cwd: io.cwd,
          ...(opts.email === undefined ? {} : { email: opts.email }),
          ...(opts.fileStem === undefined ? {} : { fileStem: opts.fileStem }),
          ...(opts.passphrase && passphrase !== undefined ? { passphrase } : {}),
          noPassphrase: !opts.passphrase,
        });
        const text = [
          `user id     ${r.user_id}`,
          `fingerprint ${r.fingerprint}`,
          `public key  ${r.publicKey}  (copy into the trusted keyring)`,
          `private key ${r.privateKey}  (keep it with the sovereign${r.protected ? '; passphrase-protected' : ''})`,
          `revocation  ${r.revocation}  (keep it offline)`,
          ...r.warnings.map((w) => `warning: ${w}`),
        ].join('\n');
        return { json: { ok: true, ...r }, text };
      })(),
    );

  program
    .command('graph')
    .description('print the cut machine as a mermaid stateDiagram-v2, generated from the machine definition')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { json?: boolean }) =>
      run(opts.json === true, async () => {
        const [{ createCutMachine }, { toMermaid }] = await Promise.all([import('../../machines/cutMachine.js'), import('../../machines/toMermaid.js')]);
        const mermaid = toMermaid(createCutMachine());
        return { json: { mermaid }, text: mermaid };
      })(),
    );

  return program;
}

/**
 * Parses `argv` (without node and script) and runs the command.
 * @returns the exit status (0 done, 10 paused at a gate, 20 stopped, 2 bad usage or input); a usage
 *   error under `--json` also prints one JSON stop document on stdout
 */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const state = { exitCode: EXIT.ok };
  const program = buildProgram(io, state);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.ok;
      // A usage error under --json is one JSON stop document too (commander already wrote the text to stderr).
      if (argv.includes('--json')) {
        const { reportError } = await import('./reportError.js');
        const command = argv.find((a) => !a.startsWith('-')) ?? '';
        const usage = new InputError(err.message.replace(/^error: /, ''), { field: 'usage' }, [], `orchestrate ${command === '' ? '' : `${command} `}--help`);
        io.stdout(`${JSON.stringify(reportError(usage, []).json, null, 2)}\n`);
      }
      return EXIT.input;
    }
    throw err;
  }
  return state.exitCode;
}
