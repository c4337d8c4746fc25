/** `calsync connect caldav|icloud`: discovery with the credentials first, then saved encrypted. */
import type { Command } from 'commander';
import { CalsyncError } from '../../errors.js';
import type { ConnectCalDavInput } from '../../service/connect.js';
import { withContext } from '../context.js';
import { formatTable, printJson, printLine } from '../output.js';

function passwordFrom(variable: string | undefined): string {
  if (!variable) throw new CalsyncError('VALIDATION', '--password-env VAR is required: put the password in an environment variable and name it');
  const value = process.env[variable];
  if (!value) throw new CalsyncError('VALIDATION', `environment variable ${variable} is empty or unset`);
  return value;
}

interface ConnectOpts {
  url?: string;
  username: string;
  passwordEnv?: string;
  name?: string;
  allowPrivate?: boolean;
}

async function connect(kind: ConnectCalDavInput['kind'], opts: ConnectOpts, cmd: Command): Promise<void> {
  // Imported when the command runs, not for `--help`.
  const [{ connectCalDav }, { enqueuePushEnsures }] = await Promise.all([import('../../service/connect.js'), import('../../service/webdav-push/jobs.js')]);
  await withContext(cmd, async (ctx) => {
    const input: ConnectCalDavInput = {
      kind,
      username: opts.username,
      password: passwordFrom(opts.passwordEnv),
      allowPrivate: opts.allowPrivate === true || ctx.config.allowPrivateUrls,
      ...(opts.url ? { url: opts.url } : {}),
      ...(opts.name ? { name: opts.name } : {}),
    };
    const { integration, calendars, caughtUp } = await connectCalDav(
      // A reconnect catches up through the queue: parked jobs replayed, every calendar synced at once.
      { store: ctx.runtime.store, clock: ctx.runtime.clock, onReconnect: (i) => ctx.providers.forget(i.id), queue: await ctx.queue(), ...(ctx.config.publicUrl ? { publicUrl: ctx.config.publicUrl } : {}) },
      ctx.tenant.id,
      input,
    );
    // WebDAV-Push where the server offers it: the workers of `calsync serve` register the calendars.
    if (ctx.config.publicUrl) await enqueuePushEnsures(await ctx.queue(), integration, calendars.filter((c) => c.enabled).map((c) => c.id));
    if (ctx.json) return printJson({ integration, calendars, ...(caughtUp ? { caughtUp } : {}) });
    printLine(`${caughtUp ? 'reconnected' : 'connected'} ${integration.name} (${integration.id}); ${calendars.length} calendar(s) found:`);
    printLine(formatTable(['id', 'name', 'enabled'], calendars.map((c) => [c.id, c.name, c.enabled ? 'yes' : 'no'])));
    if (caughtUp) printLine(`catching up: ${caughtUp.calendars.length} calendar sync(s) queued, ${caughtUp.replayed.length} parked job(s) replayed`);
    else printLine(`\nnext: calsync sync "${integration.name}" --dry-run   (preview the first sync)`);
  });
}

export function registerConnectCommands(program: Command): void {
  const connectCmd = program.command('connect').description('connect a calendar account');
  connectCmd
    .command('caldav')
    .description('connect any CalDAV server (Nextcloud, Radicale, Fastmail, …)')
    .requiredOption('--url <url>', 'server URL (discovery starts here)')
    .requiredOption('--username <user>', 'account name')
    .option('--password-env <var>', 'environment variable that holds the password')
    .option('--name <name>', 'a name for this integration')
    .option('--allow-private', 'allow a loopback/private server address (or CALSYNC_ALLOW_PRIVATE_URLS=1)')
    .option('--json', 'machine-readable output')
    .action(async (opts: ConnectOpts, cmd: Command) => connect('caldav', opts, cmd));
  connectCmd
    .command('icloud')
    .description('connect Apple iCloud with an app-specific password (appleid.apple.com → Sign-In and Security)')
    .requiredOption('--username <appleId>', 'Apple ID')
    .option('--password-env <var>', 'environment variable that holds the app-specific password')
    .option('--name <name>', 'a name for this integration')
    .option('--json', 'machine-readable output')
    .action(async (opts: ConnectOpts, cmd: Command) => connect('icloud', opts, cmd));
}
