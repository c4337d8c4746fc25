/**
 * The conflict inbox: `calsync conflict list|view|resolve` (noun–verb, like `gh`), with the older
 * spellings `calsync conflicts` and `calsync resolve <conflict> --take …` kept as aliases.
 */
import type { Command } from 'commander';
import { CalsyncError } from '../../errors.js';
import { resolveAndPropagate } from '../../service/conflicts.js';
import { drainOutbox } from '../../service/outbox/drainer.js';
import type { ConflictChoice } from '../../sync/resolve.js';
import { withContext } from '../context.js';
import { formatTable, printJson, printLine } from '../output.js';

function parseChoice(take: string | undefined, fields: string[] | undefined): ConflictChoice {
  if (fields && fields.length > 0) {
    const picked: Record<string, 'wedsync' | 'provider'> = {};
    for (const pair of fields) {
      const [field, side] = pair.split('=');
      if (!field || (side !== 'wedsync' && side !== 'provider')) throw new CalsyncError('VALIDATION', `--field takes FIELD=wedsync|provider, got "${pair}"`);
      picked[field] = side;
    }
    return { take: 'fields', fields: picked };
  }
  if (take === 'wedsync' || take === 'provider' || take === 'merge') return { take };
  throw new CalsyncError('VALIDATION', '--take must be wedsync, provider or merge (or give --field FIELD=SIDE for each field)');
}

const LIST_EXAMPLES = '\nExamples:\n  calsync conflict list\n  calsync conflict list --all --json';
const RESOLVE_EXAMPLES = '\nExamples:\n  calsync conflict resolve <id> --take wedsync\n  calsync conflict resolve <id> --field start=provider location=wedsync';

function listCommand(cmd: Command): Command {
  return cmd
    .description('the conflict inbox: events changed on both sides that wait for a decision')
    .option('--all', 'include resolved conflicts')
    .option('--json', 'machine-readable output (base, both versions and the fields)')
    .addHelpText('after', LIST_EXAMPLES)
    .action(async (opts: { all?: boolean }, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        const conflicts = await ctx.runtime.store.conflicts.list(ctx.tenant.id, opts.all ? {} : { status: 'open' });
        if (ctx.json) return printJson(conflicts);
        if (conflicts.length === 0) return printLine('no open conflicts');
        const names = new Map((await ctx.runtime.store.calendars.list(ctx.tenant.id)).map((c) => [c.id, c.name]));
        printLine(
          formatTable(
            ['id', 'type', 'fields', 'event', 'calendar', 'since', 'status'],
            conflicts.map((c) => [c.id, c.type, c.fields.join(','), (c.hub ?? c.remote ?? c.base)?.title ?? '', names.get(c.calendarId) ?? c.calendarId, c.createdAt, c.status]),
          ),
        );
        printLine('\nresolve one with: calsync conflict resolve <id> --take wedsync|provider|merge   (or --field start=provider …)');
      }),
    );
}

function resolveCommand(cmd: Command): Command {
  return cmd
    .description('resolve a conflict; the choice is written to both sides')
    .addHelpText('after', RESOLVE_EXAMPLES)
    .option('--take <side>', 'wedsync | provider | merge')
    .option('--field <field=side...>', 'per-field choice, e.g. --field start=provider location=wedsync')
    .option('--json', 'machine-readable output')
    .action(async (id: string, opts: { take?: string; field?: string[] }, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        const choice = parseChoice(opts.take, opts.field);
        const { store, clock } = ctx.runtime;
        const { conflict: resolved, propagatedTo } = await resolveAndPropagate({ store, clock, providers: ctx.providers }, ctx.tenant.id, id, choice, 'cli');
        // The resolution's hub write is an outbox record: queue its syncs now (no worker runs here).
        if (propagatedTo > 0) await drainOutbox({ store, clock, queue: await ctx.queue() }, ctx.tenant.id);
        if (ctx.json) return printJson(resolved);
        printLine(`resolved ${resolved.id} (${resolved.status}); both sides now agree`);
        if (propagatedTo > 0) printLine(`the change goes out to ${propagatedTo} other calendar(s) with their next sync (queued now)`);
      }),
    );
}

export function registerConflictCommands(program: Command): void {
  const conflict = program.command('conflict').description('the conflict inbox: list, view and resolve conflicts');
  listCommand(conflict.command('list'));
  conflict
    .command('view <conflict>')
    .description('one conflict: each field as agreed before, in WedSync and in the calendar')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExamples:\n  calsync conflict view <id>')
    .action(async (id: string, _opts, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        const found = await ctx.runtime.store.conflicts.get(ctx.tenant.id, id);
        if (!found) throw new CalsyncError('NOT_FOUND', `no conflict ${id} (list them with: calsync conflict list)`, { retryable: false });
        if (ctx.json) return printJson(found);
        const calendar = await ctx.runtime.store.calendars.get(ctx.tenant.id, found.calendarId);
        const show = (e: Record<string, unknown> | undefined, f: string): string => (e ? JSON.stringify(e[f] ?? null) : '(deleted)');
        printLine(`${(found.hub ?? found.remote ?? found.base)?.title ?? 'event'} · ${found.type} · ${calendar?.name ?? 'calendar'} · ${found.status}`);
        printLine(formatTable(['field', 'before', 'WedSync', 'calendar'], found.fields.map((f) => [f, show(found.base as Record<string, unknown> | undefined, f), show(found.hub as Record<string, unknown> | undefined, f), show(found.remote as Record<string, unknown> | undefined, f)])));
        printLine(`\nresolve it with: calsync conflict resolve ${found.id} --take wedsync|provider|merge`);
        return undefined;
      }),
    );
  resolveCommand(conflict.command('resolve <conflict>'));
  // The older spellings, kept.
  listCommand(program.command('conflicts'));
  resolveCommand(program.command('resolve <conflict>'));
}
