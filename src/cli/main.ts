/**
 * The `calsync` command line. Each command lives in its own file under `commands/` and registers
 * itself here; `calsync --help` and `calsync <command> --help` list everything.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { exitCodesHelp, printLine, reportError } from './output.js';

type Registrar = (program: Command) => void;

/**
 * The commands, in `--help` order, each group with the top-level names it registers and a loader:
 * a command's module (and what it imports: the store, Fastify, the providers…) is loaded only when
 * that command runs, so `calsync --version` or `calsync events --help` costs a fraction of loading all.
 */
const GROUPS: readonly { names: readonly string[]; load: () => Promise<Registrar[]> }[] = [
  { names: ['serve'], load: async () => [(await import('./commands/serve.js')).registerServeCommand] },
  { names: ['worker'], load: async () => [(await import('./commands/worker.js')).registerWorkerCommand] },
  {
    names: ['connect'],
    load: async () => {
      const [connect, outlook] = await Promise.all([import('./commands/connect.js'), import('./commands/connect-outlook.js')]);
      return [connect.registerConnectCommands, outlook.registerConnectOutlookCommand];
    },
  },
  { names: ['integrations', 'calendars', 'calendar', 'disconnect'], load: async () => [(await import('./commands/integrations.js')).registerIntegrationCommands] },
  { names: ['sync'], load: async () => [(await import('./commands/sync.js')).registerSyncCommand] },
  { names: ['events', 'event'], load: async () => [(await import('./commands/events.js')).registerEventCommands] },
  { names: ['history'], load: async () => [(await import('./commands/history.js')).registerHistoryCommands] },
  { names: ['conflicts', 'conflict', 'resolve'], load: async () => [(await import('./commands/conflicts.js')).registerConflictCommands] },
  { names: ['dead-letters', 'replay', 'discard'], load: async () => [(await import('./commands/dead-letters.js')).registerDeadLetterCommands] },
  { names: ['tenant', 'apikey'], load: async () => [(await import('./commands/tenant.js')).registerTenantCommands] },
  { names: ['user', 'signin-link'], load: async () => [(await import('./commands/users.js')).registerUserCommands] },
  { names: ['corpus'], load: async () => [(await import('./commands/corpus.js')).registerCorpusCommand] },
  { names: ['emulator'], load: async () => [(await import('./commands/emulator.js')).registerEmulatorCommand] },
  { names: ['doctor'], load: async () => [(await import('./commands/doctor.js')).registerDoctorCommand] },
];

/** The command word of `args` (the user's arguments): the first one that is not an option or the global `--tenant` value. */
export function commandWord(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--tenant') i++;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

/**
 * The groups to load for `args`: the one that owns the command word; every group for `--help`, for
 * `help`, with no command, or for an unknown command (its error lists and suggests the real ones);
 * none for a bare `--version`.
 */
export function groupsFor(args: readonly string[] | undefined): typeof GROUPS {
  if (args === undefined) return GROUPS;
  const word = commandWord(args);
  if (word === undefined) return args.includes('--version') || args.includes('-V') ? [] : GROUPS;
  const group = GROUPS.find((g) => g.names.includes(word));
  return group === undefined ? GROUPS : [group];
}

/** The program with the commands `args` needs (all of them when `args` is not given). */
export async function buildProgram(args?: readonly string[]): Promise<Command> {
  const program = new Command('calsync')
    .description('Two-way calendar sync for wedding businesses: WedSync ⇄ Outlook ⇄ Apple iCloud / CalDAV')
    .version('0.1.0')
    .option('--tenant <name>', 'act for this tenant (default: the default tenant)')
    .showHelpAfterError('(run with --help for usage)')
    // Set before the commands are added: subcommands copy it when created, so a usage error in
    // `calsync connect caldav` throws to `main` instead of calling process.exit.
    .exitOverride()
    .addHelpText('after', '\nExit codes: 0 ok, 1 failure, 2 usage, 4 auth (calsync help exit-codes).\nFirst steps: npm start, then open the link it prints; or calsync signin-link.');
  const registrars = await Promise.all(groupsFor(args).map((g) => g.load()));
  for (const register of registrars.flat()) register(program);
  return program;
}

export async function main(argv: string[] = process.argv): Promise<number> {
  const program = await buildProgram(argv.slice(2));
  // Commands that finish but report a failure (`sync` with item errors, `doctor`) set process.exitCode;
  // it is read back here so the code is returned to the caller, not left behind for a later command.
  const previous = process.exitCode;
  process.exitCode = undefined;
  if (argv[2] === 'help' && argv[3] === 'exit-codes') {
    printLine(exitCodesHelp());
    process.exitCode = previous;
    return 0;
  }
  try {
    await program.parseAsync(argv);
    return Number(process.exitCode ?? 0);
  } catch (err) {
    // --help and --version exit 0; every other commander error is a usage error (2, see output.ts).
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    return reportError(err, argv.includes('--json'));
  } finally {
    process.exitCode = previous;
  }
}

// Run when executed as the entry point (`node dist/cli/main.js`, `tsx src/cli/main.ts`); bin/calsync.js
// imports `main` and calls it itself.
function isEntryPoint(): boolean {
  try {
    return realpathSync(process.argv[1] ?? '') === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}
if (isEntryPoint()) {
  const code = await main();
  if (code !== 0) process.exitCode = code;
  // `doctor` gave up on a check that still holds a socket (an unreachable Redis retrying): the report is
  // out, so leave now rather than wait for it. The timer is unref'd: it never keeps the process alive.
  if (commandWord(process.argv.slice(2)) === 'doctor' && (await import('./commands/doctor.js')).abandonedWork()) setTimeout(() => process.exit(code), 200).unref();
}
