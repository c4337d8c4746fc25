/**
 * The planner's agenda (issue 13): the hub's events starting in the next weeks, in time order, each
 * with its state in every connected calendar — the per-event sync state no other calendar sync shows.
 *
 * Per (event, calendar), from the store only (no provider calls):
 * - `conflict` — an open conflict waits for a person;
 * - `synced`   — the calendar holds the event (a link) and its syncs have taken in the event's latest
 *                hub change (`SyncState.hubSeq ≥ event.seq`);
 * - `failed`   — not there yet and the calendar's last sync failed;
 * - `waiting`  — not there yet (or an older version), the next sync brings it;
 * - `not_sent` — the calendar only sends events into WedSync (`import_only`) and never had this one.
 */
import type { HubEvent } from '../model/event.js';
import { isWeddingCritical } from '../model/priority.js';
import { toInstantMs } from '../model/time.js';
import type { CalendarRecord, Store } from '../store/types.js';

export type AgendaSyncState = 'synced' | 'waiting' | 'conflict' | 'failed' | 'not_sent';

export interface AgendaEntry {
  event: HubEvent;
  /** When it starts (epoch ms), for ordering and grouping by day in the tenant's time zone. */
  startMs: number;
  weddingCritical: boolean;
  calendars: { calendarId: string; state: AgendaSyncState; conflictId?: string }[];
}

export interface AgendaOptions {
  /** Start of the window (epoch ms; default now). */
  fromMs: number;
  /** Length of the window in days (default 42: six weeks). */
  days?: number;
  /** At most this many events (default 200), the earliest first. */
  limit?: number;
}

const PAGE = 500;

/** Every live hub event of the tenant whose start falls in [from, from + days). */
async function eventsInWindow(store: Store, tenantId: string, fromMs: number, toMs: number): Promise<{ event: HubEvent; startMs: number }[]> {
  const found: { event: HubEvent; startMs: number }[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await store.events.list(tenantId, { limit: PAGE, ...(after ? { after } : {}) });
    for (const event of page) {
      const startMs = toInstantMs(event.event.start);
      if (startMs >= fromMs && startMs < toMs && event.event.status !== 'cancelled') found.push({ event, startMs });
    }
    if (page.length < PAGE) return found;
    after = page[page.length - 1]?.id;
  }
}

function stateOf(
  event: HubEvent,
  calendar: CalendarRecord,
  linked: boolean,
  hubSeq: number,
  lastError: string | undefined,
  conflictId: string | undefined,
): { state: AgendaSyncState; conflictId?: string } {
  if (conflictId) return { state: 'conflict', conflictId };
  if (linked && hubSeq >= event.seq) return { state: 'synced' };
  if (!linked && calendar.direction === 'import_only') return { state: 'not_sent' };
  // Linked but behind: an import-only calendar never takes hub changes, so it holds what it has.
  if (linked && calendar.direction === 'import_only') return { state: 'synced' };
  return { state: lastError ? 'failed' : 'waiting' };
}

export async function upcomingAgenda(store: Store, tenantId: string, opts: AgendaOptions): Promise<AgendaEntry[]> {
  const toMs = opts.fromMs + (opts.days ?? 42) * 86_400_000;
  const events = (await eventsInWindow(store, tenantId, opts.fromMs, toMs)).sort((a, b) => a.startMs - b.startMs).slice(0, opts.limit ?? 200);
  const calendars = (await store.calendars.list(tenantId)).filter((c) => c.enabled);
  const states = new Map(await Promise.all(calendars.map(async (c) => [c.id, await store.syncState.get(tenantId, c.id)] as const)));
  const open = await store.conflicts.list(tenantId, { status: 'open' });
  const conflictOf = new Map(open.map((c) => [`${c.calendarId}/${c.hubEventId}`, c.id]));
  const entries: AgendaEntry[] = [];
  for (const { event, startMs } of events) {
    const links = new Set((await store.links.listByHubEvent(tenantId, event.id)).map((l) => l.calendarId));
    entries.push({
      event,
      startMs,
      weddingCritical: isWeddingCritical(event.event),
      calendars: calendars.map((c) => {
        const state = states.get(c.id);
        return { calendarId: c.id, ...stateOf(event, c, links.has(c.id), state?.hubSeq ?? 0, state?.lastError, conflictOf.get(`${c.id}/${event.id}`)) };
      }),
    });
  }
  return entries;
}
