/** `calsync tenant create|list` and `calsync apikey create|list|revoke`. */
import type { Command } from 'commander';
import { CalsyncError } from '../../errors.js';
import { withContext } from '../context.js';
import { confirm, formatTable, printJson, printLine } from '../output.js';

export function registerTenantCommands(program: Command): void {
  const tenant = program.command('tenant').description('manage tenants (each business is one tenant; data never crosses tenants)');
  tenant
    .command('create <name>')
    .description('create a tenant')
    .option('--json', 'machine-readable output')
    .action(async (name: string, _opts, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        if (await ctx.runtime.store.tenants.getByName(name)) throw new CalsyncError('VALIDATION', `tenant "${name}" exists already`);
        const created = await ctx.runtime.store.tenants.create(name);
        if (ctx.json) printJson(created);
        else printLine(`created tenant ${created.name} (${created.id})\nnext: calsync --tenant ${JSON.stringify(created.name)} user add "you@example.com" --password-stdin\n  or: calsync apikey create ${JSON.stringify(created.name)}`);
      }),
    );
  tenant
    .command('list')
    .description('list tenants')
    .option('--json', 'machine-readable output')
    .action(async (_opts, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        const all = await ctx.runtime.store.tenants.list();
        if (ctx.json) printJson(all);
        else printLine(formatTable(['id', 'name', 'created'], all.map((t) => [t.id, t.name, t.createdAt])));
      }),
    );

  const apikey = program.command('apikey').description('manage API keys (sent as "Authorization: Bearer <key>")');
  apikey
    .command('create <tenant>')
    .description('create an API key for a tenant; the key is shown once')
    .option('--label <label>', 'what the key is for', 'api')
    .option('--json', 'machine-readable output')
    .action(async (tenantName: string, opts: { label: string }, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        const store = ctx.runtime.store;
        const owner = (await store.tenants.getByName(tenantName)) ?? (await store.tenants.get(tenantName));
        if (!owner) throw new CalsyncError('VALIDATION', `no tenant "${tenantName}" (create it with: calsync tenant create ${JSON.stringify(tenantName)})`);
        const { key, record } = await store.apiKeys.create(owner.id, opts.label);
        if (ctx.json) printJson({ key, ...record });
        else printLine(`API key for ${owner.name} (${record.label}):\n\n  ${key}\n\nStore it now: calsync keeps only its hash.`);
      }),
    );
  apikey
    .command('list')
    .description("list the tenant's API keys (prefixes only)")
    .option('--json', 'machine-readable output')
    .action(async (_opts, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        const keys = await ctx.runtime.store.apiKeys.list(ctx.tenant.id);
        if (ctx.json) printJson(keys);
        else printLine(formatTable(['id', 'label', 'prefix', 'created', 'last used'], keys.map((k) => [k.id, k.label, `${k.prefix}…`, k.createdAt, k.lastUsedAt ?? '-'])));
      }),
    );
  apikey
    .command('revoke <id>')
    .description('revoke an API key')
    .option('--yes', 'do not ask for confirmation (required when not run in a terminal)')
    .option('--json', 'machine-readable output')
    .action(async (id: string, opts: { yes?: boolean }, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        await confirm(opts.yes, `Revoke API key ${id}`);
        if (!(await ctx.runtime.store.apiKeys.revoke(ctx.tenant.id, id))) throw new CalsyncError('NOT_FOUND', `no API key ${id} in tenant ${ctx.tenant.name}`);
        if (ctx.json) return printJson({ revoked: id });
        printLine(`revoked ${id}`);
        return undefined;
      }),
    );
}
