/** `calsync integrations`, `calsync calendars <integration>`, `calsync disconnect <integration>`. */
import type { Command } from 'commander';
import { CalsyncError } from '../../errors.js';
import type { SyncDirection } from '../../store/types.js';
import { withContext } from '../context.js';
import { confirm, formatTable, printJson, printLine } from '../output.js';

/** What the actions use, imported when one runs (not for `--help`). */
async function load() {
  const [connect, health, push, withdraw] = await Promise.all([
    import('../../service/connect.js'),
    import('../../service/health.js'),
    import('../../service/webdav-push/jobs.js'),
    import('../../service/withdraw-registrations.js'),
  ]);
  return { ...connect, ...health, ...push, ...withdraw };
}

const DIRECTIONS: SyncDirection[] = ['two_way', 'import_only', 'export_only'];

export function registerIntegrationCommands(program: Command): void {
  program
    .command('integrations')
    .description('list connected calendar accounts with their health')
    .option('--json', 'machine-readable output')
    .action(async (_opts, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        const { store } = ctx.runtime;
        const { integrationHealth } = await load();
        const integrations = await store.integrations.list(ctx.tenant.id);
        // The same health report as /api/v1/health and the dashboard (token, subscription, lag, queue, circuit).
        const health = await integrationHealth(store, await ctx.queue(), ctx.tenant.id, { providers: ctx.providers, clock: ctx.runtime.clock, pushConfigured: ctx.config.publicUrl !== undefined });
        const byId = new Map(health.integrations.map((h) => [h.integrationId, h]));
        const rows = integrations.map((integration) => {
          const h = byId.get(integration.id);
          return { ...integration, calendars: h?.calendars ?? 0, enabled: h?.enabledCalendars ?? 0, lastSuccessAt: h?.lastSuccessAt ?? undefined, lastError: h?.lastError ?? undefined, openConflicts: h?.openConflicts ?? 0, health: h };
        });
        if (ctx.json) return printJson(rows);
        if (rows.length === 0) return printLine('no integrations yet; connect one with: calsync connect caldav --url URL --username U --password-env VAR');
        const lag = (s: number | null | undefined): string => (s === null || s === undefined ? '-' : s < 120 ? `${s} s` : s < 7200 ? `${Math.round(s / 60)} min` : `${Math.round(s / 3600)} h`);
        printLine(
          formatTable(
            ['id', 'name', 'provider', 'status', 'health', 'calendars', 'last success', 'lag', 'conflicts', 'dead', 'problem'],
            rows.map((r) => [
              r.id,
              r.name,
              r.provider,
              r.status,
              r.health?.healthy === false ? 'unhealthy' : 'ok',
              `${r.enabled}/${r.calendars}`,
              r.lastSuccessAt ?? 'never',
              lag(r.health?.lagS),
              String(r.openConflicts),
              String(r.health?.deadLetters ?? 0),
              r.statusReason ?? r.health?.reasons[0] ?? r.lastError ?? r.health?.pushOff ?? '',
            ]),
          ),
        );
        printLine(`\nqueue: ${health.queue.depth} job(s) waiting or running for this tenant`);
      }),
    );

  program
    .command('calendars <integration>')
    .description("list an integration's calendars; enable or disable them")
    .option('--enable <id...>', 'enable calendars (id or name)')
    .option('--disable <id...>', 'disable calendars (id or name)')
    .option('--direction <direction>', `with --enable: ${DIRECTIONS.join(' | ')}`)
    .option('--json', 'machine-readable output')
    .action(async (ref: string, opts: { enable?: string[]; disable?: string[]; direction?: string }, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        const { store } = ctx.runtime;
        const { findIntegration, enqueuePushEnsures } = await load();
        const integration = await findIntegration(store, ctx.tenant.id, ref);
        if (opts.direction !== undefined && !DIRECTIONS.includes(opts.direction as SyncDirection)) {
          throw new CalsyncError('VALIDATION', `--direction must be one of ${DIRECTIONS.join(', ')}`);
        }
        // Said nowhere else, it would be ignored without a word: the direction is set on the calendars enabled.
        if (opts.direction !== undefined && !opts.enable?.length) throw new CalsyncError('VALIDATION', '--direction goes with --enable: calsync calendars <integration> --enable <id> --direction <direction>');
        let calendars = await store.calendars.list(ctx.tenant.id, integration.id);
        const pick = (key: string) => {
          const found = calendars.find((c) => c.id === key || c.name === key || c.remoteId === key);
          if (!found) throw new CalsyncError('NOT_FOUND', `no calendar "${key}" in ${integration.name}`);
          return found;
        };
        for (const key of opts.enable ?? []) {
          await store.calendars.update(ctx.tenant.id, pick(key).id, { enabled: true, ...(opts.direction ? { direction: opts.direction as SyncDirection } : {}) });
        }
        for (const key of opts.disable ?? []) await store.calendars.update(ctx.tenant.id, pick(key).id, { enabled: false });
        // WebDAV-Push: (un)register now rather than at the next sweep of `calsync serve`.
        const toggled = [...(opts.enable ?? []), ...(opts.disable ?? [])].map((key) => pick(key).id);
        if (toggled.length > 0 && (integration.provider === 'caldav' || integration.provider === 'icloud')) await enqueuePushEnsures(await ctx.queue(), integration, toggled);
        calendars = await store.calendars.list(ctx.tenant.id, integration.id);
        if (ctx.json) return printJson(calendars);
        printLine(formatTable(['id', 'name', 'enabled', 'direction', 'remote'], calendars.map((c) => [c.id, c.name, c.enabled ? 'yes' : 'no', c.direction, c.remoteId])));
      }),
    );

  // `calsync calendar list|enable|disable` (noun–verb); `calsync calendars <integration> --enable …` stays.
  const calendar = program.command('calendar').description("an integration's calendars: list, enable, disable");
  const setEnabled = (enabled: boolean) => async (ref: string, names: string[], opts: { direction?: string }, cmd: Command) =>
    withContext(cmd, async (ctx) => {
      const { store } = ctx.runtime;
      const { findIntegration, enqueuePushEnsures } = await load();
      const integration = await findIntegration(store, ctx.tenant.id, ref);
      if (opts.direction !== undefined && !DIRECTIONS.includes(opts.direction as SyncDirection)) throw new CalsyncError('VALIDATION', `--direction must be one of ${DIRECTIONS.join(', ')}`);
      const calendars = await store.calendars.list(ctx.tenant.id, integration.id);
      const picked = names.map((key) => {
        const found = calendars.find((c) => c.id === key || c.name === key || c.remoteId === key);
        if (!found) throw new CalsyncError('NOT_FOUND', `no calendar "${key}" in ${integration.name} (see: calsync calendar list ${JSON.stringify(integration.name)})`);
        return found;
      });
      for (const c of picked) await store.calendars.update(ctx.tenant.id, c.id, { enabled, ...(enabled && opts.direction ? { direction: opts.direction as SyncDirection } : {}) });
      if (integration.provider === 'caldav' || integration.provider === 'icloud') await enqueuePushEnsures(await ctx.queue(), integration, picked.map((c) => c.id));
      const after = await store.calendars.list(ctx.tenant.id, integration.id);
      if (ctx.json) return printJson(after);
      printLine(formatTable(['name', 'enabled', 'direction'], after.map((c) => [c.name, c.enabled ? 'yes' : 'no', c.direction])));
      return undefined;
    });
  calendar
    .command('list <integration>')
    .description("list an integration's calendars")
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExamples:\n  calsync calendar list "Studio iPad"')
    .action(async (ref: string, _opts, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        const { findIntegration } = await load();
        const integration = await findIntegration(ctx.runtime.store, ctx.tenant.id, ref);
        const calendars = await ctx.runtime.store.calendars.list(ctx.tenant.id, integration.id);
        if (ctx.json) return printJson(calendars);
        printLine(formatTable(['name', 'enabled', 'direction'], calendars.map((c) => [c.name, c.enabled ? 'yes' : 'no', c.direction])));
        return undefined;
      }),
    );
  calendar
    .command('enable <integration> <calendar...>')
    .description('sync these calendars (by name or id)')
    .option('--direction <direction>', DIRECTIONS.join(' | '))
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExamples:\n  calsync calendar enable "Studio iPad" Weddings --direction two_way')
    .action(setEnabled(true));
  calendar
    .command('disable <integration> <calendar...>')
    .description('stop syncing these calendars (nothing is deleted)')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExamples:\n  calsync calendar disable "Studio iPad" Birthdays')
    .action(setEnabled(false));

  program
    .command('disconnect <integration>')
    .description('remove an integration: its credentials, calendars and links (hub events stay)')
    .option('--yes', 'do not ask for confirmation (required when not run in a terminal)')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExamples:\n  calsync disconnect "Studio iPad" --yes\n  calsync disconnect "dav.example.com ana" --yes --json')
    .action(async (ref: string, opts: { yes?: boolean }, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        const { findIntegration, withdrawRegistrations } = await load();
        const integration = await findIntegration(ctx.runtime.store, ctx.tenant.id, ref);
        await confirm(opts.yes, `Disconnect "${integration.name}"`);
        // Graph subscriptions / WebDAV-Push registrations first, while the credentials still exist.
        await withdrawRegistrations({ store: ctx.runtime.store, queue: await ctx.queue(), providers: ctx.providers, clock: ctx.runtime.clock, publicUrl: ctx.config.publicUrl }, integration);
        await ctx.providers.forget(integration.id);
        await ctx.runtime.store.integrations.delete(ctx.tenant.id, integration.id);
        if (ctx.json) return printJson({ disconnected: { id: integration.id, name: integration.name } });
        printLine(`disconnected ${integration.name}; its events stay in the hub`);
        return undefined;
      }),
    );
}
