/**
 * `calsync connect outlook [--graph-url URL] [--login-hint USER]`: sign in with the browser (OAuth code +
 * PKCE, loopback redirect), list and save the mailbox's calendars, then create their change-notification
 * subscriptions when `CALSYNC_PUBLIC_URL` is set and answers — otherwise the first `calsync serve` creates
 * them (its subscription sweep finds calendars without one). Without `CALSYNC_PUBLIC_URL` there are no
 * subscriptions at all: the calendars are kept in sync by reconciliation polling. Against the emulator no
 * browser is needed.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { EnsureMode } from '../../service/outlook/subscription-manager.js';
import type { Integration } from '../../store/types.js';
import { withContext, type CliContext } from '../context.js';
import { formatTable, printJson, printLine } from '../output.js';

interface ConnectOutlookOpts {
  graphUrl?: string;
  loginHint?: string;
  clientId?: string;
  caFile?: string;
  name?: string;
  browser?: boolean;
}

/** Opens the system browser when there is one; the URL is printed either way. */
function openBrowser(url: string): void {
  printLine(`sign in to Microsoft in your browser:\n  ${url}`);
  const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  try {
    spawn(opener, [url], { stdio: 'ignore', detached: true }).on('error', () => undefined).unref();
  } catch {
    // No browser here: the printed URL is enough.
  }
}

/** Is the service's public URL answering (so Graph's validation handshake can reach it)? */
async function reachable(publicUrl: string): Promise<boolean> {
  try {
    const res = await fetch(`${publicUrl.replace(/\/+$/, '')}/healthz`, { signal: AbortSignal.timeout(2_000) });
    return res.ok;
  } catch {
    return false;
  }
}

async function subscribe(ctx: CliContext, calendarIds: string[], mode: EnsureMode): Promise<string> {
  if (calendarIds.length === 0) return 'no enabled calendars to subscribe';
  const publicUrl = ctx.config.publicUrl;
  if (!publicUrl) return 'no change notifications: CALSYNC_PUBLIC_URL (a public https:// URL of `calsync serve`) is not set; Outlook changes are picked up by reconciliation polling (every 15 minutes)';
  if (!(await reachable(publicUrl))) return `subscriptions will be created when \`calsync serve\` runs at ${publicUrl} (CALSYNC_PUBLIC_URL)`;
  const { subscriptionManagerFor } = await import('../../service/outlook/jobs.js');
  const manager = subscriptionManagerFor({ store: ctx.runtime.store, queue: await ctx.queue(), providers: ctx.providers, clock: ctx.runtime.clock, publicUrl });
  for (const id of calendarIds) await manager?.ensure(ctx.tenant.id, id, mode);
  return `change notifications subscribed for ${calendarIds.length} calendar(s) at ${publicUrl}`;
}

/** Adds `outlook` under the `connect` command group (registered by connect.ts before this). */
export function registerConnectOutlookCommand(program: Command): void {
  const connectCmd = program.commands.find((c) => c.name() === 'connect') ?? program.command('connect').description('connect a calendar account');
  connectCmd
    .command('outlook')
    .description('connect a Microsoft Outlook / Microsoft 365 mailbox (browser sign-in)')
    .option('--graph-url <url>', 'Microsoft Graph base URL (default https://graph.microsoft.com; an emulator URL needs no browser)')
    .option('--login-hint <user>', 'the account to sign in as')
    .option('--client-id <id>', 'app registration (public client) id (default $CALSYNC_OUTLOOK_CLIENT_ID)')
    .option('--ca-file <pem>', 'extra CA certificate to trust for Graph and sign-in (the emulator prints one)')
    .option('--name <name>', 'a name for this integration')
    .option('--no-browser', 'only print the sign-in URL')
    .option('--json', 'machine-readable output')
    .action(async (opts: ConnectOutlookOpts, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        const deps = { store: ctx.runtime.store, clock: ctx.runtime.clock, onReconnect: (i: Integration) => ctx.providers.forget(i.id), queue: await ctx.queue(), ...(ctx.config.publicUrl ? { publicUrl: ctx.config.publicUrl } : {}) };
        const { connectOutlook } = await import('../../service/outlook/connect-outlook.js');
        const result = await connectOutlook(deps, ctx.tenant.id, {
          ...(opts.graphUrl ? { graphUrl: opts.graphUrl } : {}),
          ...(opts.loginHint ? { loginHint: opts.loginHint } : {}),
          ...(opts.clientId ? { clientId: opts.clientId } : {}),
          ...(opts.caFile ? { ca: readFileSync(opts.caFile, 'utf8') } : {}),
          ...(opts.name ? { name: opts.name } : {}),
          openBrowser: opts.browser === false ? (url) => printLine(`sign in to Microsoft:\n  ${url}`) : openBrowser,
        });
        // Signed in again: the subscriptions still live on the revoked token until reauthorized.
        const subscriptions = await subscribe(ctx, result.calendars.filter((c) => c.enabled).map((c) => c.id), result.reconnected ? 'reauthorize' : 'ensure');
        const { integration, calendars } = result;
        if (ctx.json) return printJson({ integration, calendars, subscriptions, reconnected: result.reconnected, ...(result.caughtUp ? { caughtUp: result.caughtUp } : {}) });
        const verb = result.reconnected ? 'signed in again to' : 'connected';
        printLine(`${verb} ${integration.name} (${integration.id}) as ${result.username}; ${calendars.length} calendar(s) found:`);
        printLine(formatTable(['id', 'name', 'enabled'], calendars.map((c) => [c.id, c.name, c.enabled ? 'yes' : 'no'])));
        printLine(subscriptions);
        if (result.caughtUp) printLine(`catching up: ${result.caughtUp.calendars.length} calendar sync(s) queued, ${result.caughtUp.replayed.length} parked job(s) replayed`);
        else printLine(`\nnext: calsync sync "${integration.name}" --dry-run   (preview the first sync)`);
      }),
    );
}
