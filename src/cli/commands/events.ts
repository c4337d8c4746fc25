/**
 * `calsync events` and `calsync event add|update|delete|history|restore`: change hub (WedSync) events
 * from the command line. Changes are audited; each is an outbox record, which this command drains into
 * the queue right after the write (a running `calsync serve`/`worker` picks the jobs up at once, and
 * would find the record within a second by itself; `calsync sync` pushes it without any worker).
 */
import type { Command } from 'commander';
import { CalsyncError } from '../../errors.js';
import type { HubEvent } from '../../model/event.js';
import { withContext, type CliContext } from '../context.js';
import { formatTable, printJson, printLine } from '../output.js';

/** What the actions use, imported when one runs (not for `--help`). */
async function load() {
  const [hub, drainer, time, priority] = await Promise.all([
    import('../../service/hub-events.js'),
    import('../../service/outbox/drainer.js'),
    import('../../model/time.js'),
    import('../../model/priority.js'),
  ]);
  return { ...hub, ...drainer, ...time, ...priority };
}

interface EventFieldOpts {
  title?: string;
  start?: string;
  end?: string;
  tz?: string;
  location?: string;
  description?: string;
  kind?: string;
  weddingId?: string;
  weddingDate?: string;
  emergency?: boolean;
}

function toInput(opts: EventFieldOpts): Record<string, unknown> {
  const map: Record<string, unknown> = {
    title: opts.title,
    start: opts.start,
    end: opts.end,
    timeZone: opts.tz,
    location: opts.location,
    description: opts.description,
    kind: opts.kind,
    weddingId: opts.weddingId,
    weddingDate: opts.weddingDate,
    emergency: opts.emergency,
  };
  return Object.fromEntries(Object.entries(map).filter(([, v]) => v !== undefined));
}

function withFieldOptions(cmd: Command): Command {
  return cmd
    .option('--start <time>', 'YYYY-MM-DD (all-day), YYYY-MM-DDTHH:mm (with --tz, or floating) or an ISO UTC instant')
    .option('--end <time>', 'same forms as --start (exclusive)')
    .option('--tz <zone>', 'time zone for --start/--end (IANA or Windows name)')
    .option('--location <place>', 'where')
    .option('--description <text>', 'notes')
    .option('--kind <kind>', 'ceremony | reception | wedding_day_timeline | rehearsal | client_meeting | venue_visit | vendor_meeting | tasting | deadline | other')
    .option('--wedding-id <id>', 'the WedSync wedding this event belongs to')
    .option('--wedding-date <date>', 'the wedding day (YYYY-MM-DD)')
    .option('--emergency', 'flag as an emergency change (jumps the queue)')
    .option('--json', 'machine-readable output');
}

function writeDeps(ctx: CliContext) {
  return { store: ctx.runtime.store, clock: ctx.runtime.clock };
}

/** The write's outbox record becomes sync jobs now (no worker may run in this process). */
async function queued(ctx: CliContext, written: HubEvent): Promise<HubEvent> {
  const { drainOutbox } = await load();
  await drainOutbox({ store: ctx.runtime.store, clock: ctx.runtime.clock, queue: await ctx.queue() }, ctx.tenant.id);
  return written;
}

function listCommand(cmd: Command): Command {
  return cmd
    .description('list hub events')
    .addHelpText('after', '\nExamples:\n  calsync event list\n  calsync event list --deleted --json')
    .option('--deleted', 'include deleted events')
    .option('--json', 'machine-readable output')
    .action(async (opts: { deleted?: boolean }, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        const { formatTime, priorityOf } = await load();
        const events = await ctx.runtime.store.events.list(ctx.tenant.id, { includeDeleted: opts.deleted === true });
        if (ctx.json) return printJson(events);
        if (events.length === 0) return printLine('no events yet; add one with: calsync event add --title "Ceremony" --start 2027-06-12T14:00 --tz Europe/London');
        printLine(
          formatTable(
            ['id', 'title', 'start', 'kind', 'priority', 'version', 'state'],
            events.map((e) => [e.id, e.event.title, formatTime(e.event.start), e.event.wedding.kind, priorityOf(e.event), String(e.version), e.deletedAt ? 'deleted' : '']),
          ),
        );
      }),
    );
}

export function registerEventCommands(program: Command): void {
  listCommand(program.command('events'));
  const event = program.command('event').description('list, view, add, change or delete hub events');
  listCommand(event.command('list'));
  event
    .command('view <id>')
    .description('one hub event: its fields, and where it is linked')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExamples:\n  calsync event view <id>\n  calsync event view <id> --json')
    .action(async (id: string, _opts, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        const { formatTime, priorityOf } = await load();
        const found = await ctx.runtime.store.events.get(ctx.tenant.id, id, { includeDeleted: true });
        if (!found) throw new CalsyncError('NOT_FOUND', `no event ${id} (list them with: calsync event list)`, { retryable: false });
        const links = await ctx.runtime.store.links.listByHubEvent(ctx.tenant.id, found.id);
        if (ctx.json) return printJson({ ...found, calendars: links.map((l) => l.calendarId) });
        const names = new Map((await ctx.runtime.store.calendars.list(ctx.tenant.id)).map((c) => [c.id, c.name]));
        const e = found.event;
        printLine(`${e.title}${found.deletedAt ? ' (deleted)' : ''}`);
        printLine(formatTable(['', ''], [
          ['starts', formatTime(e.start)],
          ['ends', e.end ? formatTime(e.end) : '-'],
          ['place', e.location ?? '-'],
          ['kind', `${e.wedding.kind} (${priorityOf(e)} priority)`],
          ['in calendars', links.map((l) => names.get(l.calendarId) ?? l.calendarId).join(', ') || 'none yet'],
          ['version', String(found.version)],
        ]).split('\n').slice(2).join('\n'));
        return undefined;
      }),
    );
  withFieldOptions(event.command('add').description('add an event to the hub').requiredOption('--title <title>', 'what it is')).action(
    async (opts: EventFieldOpts, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        const { createHubEvent, priorityOf } = await load();
        const created = await queued(ctx, await createHubEvent(writeDeps(ctx), ctx.tenant.id, toInput(opts), 'cli'));
        if (ctx.json) return printJson(created);
        printLine(`added ${created.id} "${created.event.title}" (${created.event.wedding.kind}, ${priorityOf(created.event)} priority); it reaches your calendars on the next sync`);
      }),
  );
  withFieldOptions(event.command('update <id>').description('change fields of a hub event').option('--title <title>', 'what it is')).action(
    async (id: string, opts: EventFieldOpts, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        const { updateHubEvent } = await load();
        const updated = await queued(ctx, await updateHubEvent(writeDeps(ctx), ctx.tenant.id, id, toInput(opts), 'cli'));
        if (ctx.json) return printJson(updated);
        printLine(`updated ${updated.id} "${updated.event.title}" (version ${updated.version})`);
      }),
  );
  event
    .command('delete <id>')
    .description('delete a hub event (kept as a tombstone; restore with: calsync event restore <id>)')
    .option('--json', 'machine-readable output')
    .action(async (id: string, _opts, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        const { deleteHubEvent } = await load();
        const deleted = await queued(ctx, await deleteHubEvent(writeDeps(ctx), ctx.tenant.id, id, 'cli'));
        if (ctx.json) return printJson(deleted);
        printLine(`deleted ${deleted.id} "${deleted.event.title}"`);
      }),
    );
  event
    .command('history <id>')
    .description("an event's audit history: every change with its source")
    .option('--json', 'machine-readable output')
    .action(async (id: string, _opts, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        const history = await ctx.runtime.store.events.history(ctx.tenant.id, id);
        if (ctx.json) return printJson(history);
        printLine(formatTable(['audit id', 'at', 'action', 'source', 'title'], history.map((h) => [h.id, h.at, h.action, h.source, (h.after ?? h.before)?.title ?? ''])));
      }),
    );
  event
    .command('restore <id>')
    .description('undelete an event, or roll it back to a version from its history (--audit ID)')
    .option('--audit <auditId>', 'the history entry to go back to')
    .option('--json', 'machine-readable output')
    .action(async (id: string, opts: { audit?: string }, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        const { restoreHubEvent } = await load();
        const restored = await queued(ctx, await restoreHubEvent(writeDeps(ctx), ctx.tenant.id, id, opts.audit ? { auditId: opts.audit } : {}));
        if (ctx.json) return printJson(restored);
        printLine(`restored ${restored.id} "${restored.event.title}" (version ${restored.version})`);
      }),
    );
}
