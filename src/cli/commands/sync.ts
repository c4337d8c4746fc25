/**
 * `calsync sync <integration>`: syncs every enabled calendar of the integration now, in this process,
 * with a progress bar on a TTY, then brings every other calendar that lacks hub changes up to date
 * (read from the outbox, so a propagation an earlier run could not finish is finished now). Every
 * target is attempted, and the summary names each one's result. `--dry-run` prints the plan and writes
 * nothing; `--json` prints one summary object.
 */
import type { Command } from 'commander';
import { CalsyncError } from '../../errors.js';
import type { TargetOutcome } from '../../service/outbox/propagate-now.js';
import type { SyncServiceDeps } from '../../service/sync-jobs.js';
import type { SyncReport } from '../../sync/engine.js';
import { withContext } from '../context.js';
import { printJson, printLine } from '../output.js';
import { progressBar } from '../progress.js';

interface SyncOpts {
  full?: boolean;
  dryRun?: boolean;
  force?: boolean;
  propagate: boolean;
}

export interface SyncSummary {
  integration: string;
  dryRun: boolean;
  calendars: SyncReport[];
  /** Syncs of the other calendars that lacked hub changes, in the order they ran. */
  propagatedTo: SyncReport[];
  /** Every propagation target's result, failures included (`error` set, no report). */
  targets: TargetOutcome[];
  totals: { hub: SyncReport['hub']; remote: SyncReport['remote']; conflicts: number; errors: number; requests: number; durationMs: number };
}

function summarize(integration: string, dryRun: boolean, calendars: SyncReport[], targets: TargetOutcome[]): SyncSummary {
  const propagatedTo = targets.flatMap((t) => (t.report ? [t.report] : []));
  const all = [...calendars, ...propagatedTo];
  const sum = (f: (r: SyncReport) => number): number => all.reduce((n, r) => n + f(r), 0);
  return {
    integration,
    dryRun,
    calendars,
    propagatedTo,
    targets,
    totals: {
      hub: { created: sum((r) => r.hub.created), updated: sum((r) => r.hub.updated), deleted: sum((r) => r.hub.deleted) },
      remote: { created: sum((r) => r.remote.created), updated: sum((r) => r.remote.updated), deleted: sum((r) => r.remote.deleted) },
      conflicts: sum((r) => r.conflicts.recorded),
      errors: sum((r) => r.errors.length) + targets.filter((t) => t.error).length,
      requests: sum((r) => r.requests),
      durationMs: sum((r) => r.durationMs),
    },
  };
}

function printHuman(summary: SyncSummary): void {
  for (const r of [...summary.calendars, ...summary.propagatedTo]) {
    if (summary.dryRun) {
      printLine(`plan for calendar ${r.calendarId} (${r.plan.length} action(s)):`);
      for (const line of r.plan) printLine(`  ${line}`);
    }
    for (const e of r.errors) printLine(`  error: ${e.message}`);
    for (const p of r.problems) printLine(`  skipped ${p.remoteId}: ${p.message}`);
  }
  for (const target of summary.targets) {
    if (target.error) printLine(`  → ${target.name}: failed (${target.error.code}: ${target.error.message}); the next sync finishes it`);
    else if (target.report) {
      const r = target.report;
      const failures = r.errors.length > 0 ? `, ${r.errors.length} error(s); the next sync finishes it` : '';
      printLine(`  → ${target.name}: +${r.remote.created} ~${r.remote.updated} -${r.remote.deleted}${failures}`);
    }
  }
  const t = summary.totals;
  printLine(
    `${summary.dryRun ? 'would sync' : 'synced'} ${summary.integration}: hub +${t.hub.created} ~${t.hub.updated} -${t.hub.deleted}, ` +
      `calendars +${t.remote.created} ~${t.remote.updated} -${t.remote.deleted}, ${t.conflicts} conflict(s), ${t.errors} error(s), ` +
      `${t.requests} request(s) in ${(t.durationMs / 1000).toFixed(2)} s`,
  );
  if (t.conflicts > 0) printLine('conflicts wait for you: calsync conflicts');
}

export function registerSyncCommand(program: Command): void {
  program
    .command('sync <integration>')
    .description("sync an integration's enabled calendars now (then push hub changes to the other calendars)")
    .option('--full', 'ignore change tokens and compare everything')
    .option('--dry-run', 'show what would change; write nothing')
    .option('--force', 'allow a sync the mass-delete guard refused (after you checked the calendar)')
    .option('--no-propagate', "don't push the hub changes to the tenant's other calendars")
    .option('--json', 'print the summary as one JSON object')
    .action(async (ref: string, opts: SyncOpts, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        const { store, clock } = ctx.runtime;
        // Imported when the command runs, not for `--help`.
        const [{ findIntegration }, { propagateNow }, { runCalendarSync }] = await Promise.all([
          import('../../service/connect.js'),
          import('../../service/outbox/propagate-now.js'),
          import('../../service/sync-jobs.js'),
        ]);
        const integration = await findIntegration(store, ctx.tenant.id, ref);
        const bar = progressBar(!ctx.json && process.stderr.isTTY === true);
        const deps: SyncServiceDeps = {
          store,
          clock,
          providers: ctx.providers,
          onStatus: (s) => {
            if (s.type === 'in_progress') bar.update(s.done, s.total, s.operation ?? s.phase);
          },
        };
        const run = { dryRun: opts.dryRun === true, allowMassDelete: opts.force === true };
        const calendars = (await store.calendars.list(ctx.tenant.id, integration.id)).filter((c) => c.enabled);
        // "synced: +0 ~0 -0" would read as "nothing changed" when nothing was looked at.
        if (calendars.length === 0) throw new CalsyncError('VALIDATION', `${integration.name} has no enabled calendars; enable one with: calsync calendars "${integration.name}" --enable <id>`);
        const reports: SyncReport[] = [];
        try {
          for (const calendar of calendars) reports.push(await runCalendarSync(deps, ctx.tenant.id, { calendarId: calendar.id, reason: 'cli', full: opts.full === true }, run));
          // Hub changes reach the tenant's other calendars right here, not through the queue: every
          // calendar the outbox says lacks a change is synced, whatever happened to the one before it.
          const blocked = reports.filter((r) => r.errors.some((e) => e.blocking)).map((r) => r.calendarId);
          const targets = opts.propagate && !run.dryRun ? await propagateNow(deps, ctx.tenant.id, { skip: blocked }) : [];
          // A flagged integration (mass-delete guard) is parked until a person looks; a sync of it that
          // went through (after checking the calendar, or with --force) puts it back in service.
          if (!run.dryRun && integration.status === 'flagged') await store.integrations.update(ctx.tenant.id, integration.id, { status: 'active', statusReason: undefined });
          bar.stop();
          const summary = summarize(integration.name, run.dryRun, reports, targets);
          if (ctx.json) printJson(summary);
          else printHuman(summary);
          if (summary.totals.errors > 0) process.exitCode = 1;
        } finally {
          bar.stop();
        }
      }),
    );
}
