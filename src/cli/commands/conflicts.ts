/** `calsync conflicts` (the inbox) and `calsync resolve <conflict> --take …` (applied to both sides). */
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

export function registerConflictCommands(program: Command): void {
  program
    .command('conflicts')
    .description('the conflict inbox: events changed on both sides that wait for a decision')
    .option('--all', 'include resolved conflicts')
    .option('--json', 'machine-readable output (base, both versions and the fields)')
    .action(async (opts: { all?: boolean }, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        const conflicts = await ctx.runtime.store.conflicts.list(ctx.tenant.id, opts.all ? {} : { status: 'open' });
        if (ctx.json) return printJson(conflicts);
        if (conflicts.length === 0) return printLine('no open conflicts');
        printLine(
          formatTable(
            ['id', 'type', 'fields', 'event', 'calendar', 'since', 'status'],
            conflicts.map((c) => [c.id, c.type, c.fields.join(','), (c.hub ?? c.remote ?? c.base)?.title ?? '', c.calendarId, c.createdAt, c.status]),
          ),
        );
        printLine('\nresolve one with: calsync resolve <id> --take wedsync|provider|merge   (or --field start=provider …)');
      }),
    );

  program
    .command('resolve <conflict>')
    .description('resolve a conflict; the choice is written to both sides')
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
