/**
 * `calsync user add|list|remove` — the people who sign in to the dashboard — and `calsync signin-link`,
 * which prints a one-time link that signs the tenant (or one user) in. API keys stay for machines.
 */
import type { Command } from 'commander';
import type { Config } from '../../config.js';
import { CalsyncError } from '../../errors.js';
import { addTenantUser, issueSignInLink, SIGN_IN_LINK_TTL_MS } from '../../service/sign-in.js';
import { normalizeEmail } from '../../store/repos/tenant-users.js';
import { withContext } from '../context.js';
import { confirm, formatTable, printJson, printLine } from '../output.js';

/** Where people open the dashboard: `--url`, else this machine's `serve` address. */
export function dashboardBaseUrl(config: Pick<Config, 'host' | 'port'>, url?: string): string {
  if (url) return url.replace(/\/+$/, '');
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.port}`;
}

/** Reads a password from standard input (one line, like `docker login --password-stdin`). */
async function readPasswordFromStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

export function registerUserCommands(program: Command, io: { readPassword?: () => Promise<string> } = {}): void {
  const user = program
    .command('user')
    .description('people who sign in to the dashboard (API keys are for machines)')
    .addHelpText('after', '\nExamples:\n  echo "$PASSWORD" | calsync user add anna@bloomandvow.example --name "Anna" --password-stdin\n  calsync user list\n  calsync signin-link --user anna@bloomandvow.example');
  user
    .command('add <email>')
    .description('add a person to the tenant; with --password-stdin they sign in with a password, without it by one-time link')
    .option('--name <name>', 'their name, shown in the dashboard')
    .option('--password-stdin', 'read their password from standard input')
    .option('--json', 'machine-readable output')
    .action(async (email: string, opts: { name?: string; passwordStdin?: boolean }, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        const password = opts.passwordStdin ? await (io.readPassword ?? readPasswordFromStdin)() : undefined;
        const created = await addTenantUser(ctx.runtime.store, ctx.tenant.id, { email, ...(opts.name ? { name: opts.name } : {}), ...(password === undefined ? {} : { password }) });
        if (ctx.json) return printJson(created);
        printLine(`added ${created.email} to ${ctx.tenant.name}`);
        printLine(password === undefined ? `next: calsync signin-link --user "${created.email}"` : `they sign in at ${dashboardBaseUrl(ctx.config)}/dashboard with this email and password`);
        return undefined;
      }),
    );
  user
    .command('list')
    .description("list the tenant's people")
    .option('--json', 'machine-readable output')
    .action(async (_opts, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        const users = await ctx.runtime.store.users.list(ctx.tenant.id);
        if (ctx.json) return printJson(users);
        if (users.length === 0) return printLine(`no people in ${ctx.tenant.name} yet; add one: calsync user add "you@example.com" --password-stdin`);
        printLine(formatTable(['email', 'name', 'last sign-in'], users.map((u) => [u.email, u.name ?? '', u.lastSignInAt ?? 'never'])));
        return undefined;
      }),
    );
  user
    .command('remove <email>')
    .description('remove a person; their open sessions end at their next request')
    .option('--yes', 'do not ask for confirmation (required when not run in a terminal)')
    .option('--json', 'machine-readable output')
    .action(async (email: string, opts: { yes?: boolean }, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        const found = (await ctx.runtime.store.users.list(ctx.tenant.id)).find((u) => u.email === normalizeEmail(email));
        if (!found) throw new CalsyncError('NOT_FOUND', `no person "${email}" in ${ctx.tenant.name} (see: calsync user list)`, { retryable: false });
        await confirm(opts.yes, `Remove ${found.email}`);
        await ctx.runtime.store.users.remove(ctx.tenant.id, found.id);
        if (ctx.json) printJson({ removed: found.email });
        else printLine(`removed ${found.email}`);
      }),
    );

  program
    .command('signin-link')
    .description('print a one-time link that signs you in to the dashboard (valid 15 minutes, works once)')
    .option('--user <email>', 'sign in as this person (default: the tenant, with no person named)')
    .option('--url <url>', 'the dashboard address people open (default: this machine, $HOST:$PORT)')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExamples:\n  calsync signin-link\n  calsync --tenant "Bloom & Vow" signin-link --user anna@bloomandvow.example\n  calsync signin-link --url https://calsync.example.com')
    .action(async (opts: { user?: string; url?: string }, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        let userId: string | undefined;
        if (opts.user !== undefined) {
          const found = (await ctx.runtime.store.users.list(ctx.tenant.id)).find((u) => u.email === normalizeEmail(opts.user ?? ''));
          if (!found) throw new CalsyncError('NOT_FOUND', `no person "${opts.user}" in ${ctx.tenant.name} (add them: calsync user add "${opts.user}")`, { retryable: false });
          userId = found.id;
        }
        const link = await issueSignInLink(ctx.runtime.store, ctx.runtime.clock, ctx.tenant.id, { baseUrl: dashboardBaseUrl(ctx.config, opts.url), ...(userId ? { userId } : {}) });
        if (ctx.json) return printJson({ url: link.url, expiresAt: link.expiresAt, tenant: ctx.tenant.name });
        printLine(`Open this link to sign in to ${ctx.tenant.name}'s dashboard (works once, for ${SIGN_IN_LINK_TTL_MS / 60_000} minutes):\n\n  ${link.url}\n`);
        return undefined;
      }),
    );
}
