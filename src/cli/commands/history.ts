/**
 * `calsync history prune --older-than <days>`: deletes hub history (audit entries) older than that,
 * keeping each event's latest entry and everything the outbox drainer has not dispatched yet. The change
 * feed then answers a cursor from before the pruned part with 410 (start over from `/events`) instead
 * of skipping it.
 */
import type { Command } from 'commander';
import { ValidationError } from '../../errors.js';
import { withContext } from '../context.js';
import { printJson, printLine } from '../output.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export function registerHistoryCommands(program: Command): void {
  const history = program.command('history').description("the hub's change history (the change feed's source)");
  history
    .command('prune')
    .description("delete history entries older than --older-than days (each event's latest entry stays)")
    .requiredOption('--older-than <days>', 'age in days, at least 1')
    .option('--json', 'machine-readable output')
    .action(async (opts: { olderThan: string }, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        const days = Number(opts.olderThan);
        if (!Number.isInteger(days) || days < 1) throw new ValidationError('--older-than must be a whole number of days, at least 1');
        const before = new Date(ctx.runtime.clock.now() - days * DAY_MS).toISOString();
        const result = await ctx.runtime.store.changes.pruneHistory(ctx.tenant.id, before);
        if (ctx.json) return printJson({ ...result, before });
        printLine(`pruned ${result.pruned} history entries from before ${before}; change-feed cursors from before seq ${result.floor} now answer 410`);
      }),
    );
}
