/** `calsync dead-letters`, `calsync replay <job>`, `calsync discard <job>`. */
import type { Command } from 'commander';
import { CalsyncError } from '../../errors.js';
import { withContext } from '../context.js';
import { confirm, formatTable, printJson, printLine } from '../output.js';

export function registerDeadLetterCommands(program: Command): void {
  program
    .command('dead-letters')
    .description('jobs that failed every attempt, with their last error')
    .option('--json', 'machine-readable output (with attempt history)')
    .action(async (_opts, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        const jobs = await (await ctx.queue()).deadLetters(ctx.tenant.id);
        if (ctx.json) return printJson(jobs);
        if (jobs.length === 0) return printLine('no dead letters');
        printLine(formatTable(['job', 'type', 'attempts', 'last error', 'created'], jobs.map((j) => [j.id, j.type, String(j.attemptsMade), j.lastError ?? '', j.createdAt])));
        printLine('\nretry one with: calsync replay <job>   (or drop it: calsync discard <job> --yes)');
      }),
    );
  program
    .command('replay <job>')
    .description('put a dead job back in the queue with a fresh attempt budget')
    .option('--json', 'machine-readable output')
    .action(async (id: string, _opts, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        if (!(await (await ctx.queue()).replay(id, ctx.tenant.id))) throw new CalsyncError('NOT_FOUND', `no dead job ${id} (list them with: calsync dead-letters)`);
        if (ctx.json) return printJson({ replayed: id });
        printLine(`replaying ${id}; a running calsync serve or worker picks it up`);
        return undefined;
      }),
    );
  program
    .command('discard <job>')
    .description('drop a dead job for good')
    .option('--yes', 'do not ask for confirmation (required when not run in a terminal)')
    .option('--json', 'machine-readable output')
    .action(async (id: string, opts: { yes?: boolean }, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        await confirm(opts.yes, `Discard job ${id}`);
        if (!(await (await ctx.queue()).discard(id, ctx.tenant.id))) throw new CalsyncError('NOT_FOUND', `no dead job ${id}`);
        if (ctx.json) return printJson({ discarded: id });
        printLine(`discarded ${id}`);
        return undefined;
      }),
    );
}
