/**
 * The `calsync` command line. Each command lives in its own file under `commands/` and registers
 * itself here; `calsync --help` and `calsync <command> --help` list everything.
 */
import { Command, CommanderError } from 'commander';
import { exitCodesHelp, printLine, reportError } from './output.js';
import { registerConflictCommands } from './commands/conflicts.js';
import { registerConnectCommands } from './commands/connect.js';
import { registerConnectOutlookCommand } from './commands/connect-outlook.js';
import { registerCorpusCommand } from './commands/corpus.js';
import { registerDeadLetterCommands } from './commands/dead-letters.js';
import { abandonedWork, registerDoctorCommand } from './commands/doctor.js';
import { registerEmulatorCommand } from './commands/emulator.js';
import { registerEventCommands } from './commands/events.js';
import { registerIntegrationCommands } from './commands/integrations.js';
import { registerServeCommand } from './commands/serve.js';
import { registerSyncCommand } from './commands/sync.js';
import { registerTenantCommands } from './commands/tenant.js';
import { registerUserCommands } from './commands/users.js';
import { registerWorkerCommand } from './commands/worker.js';

export function buildProgram(): Command {
  const program = new Command('calsync')
    .description('Two-way calendar sync for wedding businesses: WedSync ⇄ Outlook ⇄ Apple iCloud / CalDAV')
    .version('0.1.0')
    .option('--tenant <name>', 'act for this tenant (default: the default tenant)')
    .showHelpAfterError('(run with --help for usage)')
    // Set before the commands are added: subcommands copy it when created, so a usage error in
    // `calsync connect caldav` throws to `main` instead of calling process.exit.
    .exitOverride()
    .addHelpText('after', '\nExit codes: 0 ok, 1 failure, 2 usage, 4 auth (calsync help exit-codes).\nFirst steps: npm start, then open the link it prints; or calsync signin-link.');
  registerServeCommand(program);
  registerWorkerCommand(program);
  registerConnectCommands(program);
  registerConnectOutlookCommand(program);
  registerIntegrationCommands(program);
  registerSyncCommand(program);
  registerEventCommands(program);
  registerConflictCommands(program);
  registerDeadLetterCommands(program);
  registerTenantCommands(program);
  registerUserCommands(program);
  registerCorpusCommand(program);
  registerEmulatorCommand(program);
  registerDoctorCommand(program);
  return program;
}

export async function main(argv: string[] = process.argv): Promise<number> {
  const program = buildProgram();
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

// Run when executed as the entry point (bin/calsync.js or `tsx src/cli/main.ts`), not when imported.
const entry = process.argv[1] ?? '';
if (entry.endsWith('main.ts') || entry.endsWith('calsync.js') || entry.endsWith('calsync')) {
  const code = await main();
  if (code !== 0) process.exitCode = code;
  // `doctor` gave up on a check that still holds a socket (an unreachable Redis retrying): the report is
  // out, so leave now rather than wait for it. The timer is unref'd: it never keeps the process alive.
  if (abandonedWork()) setTimeout(() => process.exit(code), 200).unref();
}
