/**
 * `listChanges` for one calendar.
 *
 * A full listing is complete — every single event and series of the calendar, whatever its date — so
 * the engine may read "not listed" as "gone". It takes the delta token first and lists `/events`
 * second, so a change made in between is reported again by the next delta rather than lost.
 *
 * Incremental listings use calendarView delta over the sync window, paged to its deltaLink.
 *
 * Delta returns single events, occurrences and exceptions — never series masters — so entries are
 * grouped: a single is fetched by id (with our extended properties, which delta cannot expand), an
 * occurrence or exception names its series, which is read whole (master + instances) as one item.
 *
 * `@removed` entries carry only an id, and the same shape is used for an item that merely left the
 * window. So every removed id is looked up: still there → it changed (moved out of the window, or an
 * occurrence whose series changed); gone → removed. A deleted occurrence leaves no trace of its series,
 * so whenever something was removed every series in the cursor is re-read and compared by etag; a
 * cancelled occurrence thus becomes an update of its series, never a delete of it.
 */
import { CalsyncError, isCalsyncError } from '../../errors.js';
import type { ChangeSet, ItemProblem, RemoteItem } from '../types.js';
import type { ProviderContext } from './context.js';
import { EXPAND_QUERY, calendarEventsPath, calendarPath, isoSeconds } from './context.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import type { GraphCursor } from './cursor.js';
import type { GraphEvent } from './graph-types.js';
import { collectListing } from './http/paging.js';
import { buildItem, failsTheListing, getEvents } from './item-reader.js';

/** Events per page of the full listing and of delta (Graph's default is 10). */
const EVENTS_PAGE = '100';
const DELTA_PAGE = 100;

interface Hydrated {
  items: RemoteItem[];
  /** Ids that no longer exist. */
  gone: string[];
  problems: ItemProblem[];
  series: Record<string, string>;
}

async function pageDelta(ctx: ProviderContext, calendarId: string, deltaLink: string | undefined): Promise<{ entries: GraphEvent[]; deltaLink: string }> {
  const { fromMs, toMs } = ctx.window();
  // Graph's default delta page is 10 events; larger pages save round trips (event-delta.md).
  const headers = { Prefer: `odata.maxpagesize=${DELTA_PAGE}` };
  const first = deltaLink
    ? { method: 'GET' as const, url: deltaLink, headers }
    : { method: 'GET' as const, url: `${calendarPath(calendarId)}/calendarView/delta`, headers, query: { startDateTime: isoSeconds(fromMs), endDateTime: isoSeconds(toMs) } };
  const { items, deltaLink: next } = await collectListing<GraphEvent>(ctx.client, first);
  if (!next) throw new CalsyncError('PROVIDER_LISTING_FAILED', 'Graph delta ended without a deltaLink');
  return { entries: items, deltaLink: next };
}

/**
 * Reads items for event ids (singles, masters, or occurrences standing for their series). A per-item
 * mapping failure is a problem, not a failed listing; a failed request fails the listing.
 */
async function hydrate(ctx: ProviderContext, calendarId: string, ids: Iterable<string>): Promise<Hydrated> {
  const wanted = [...new Set(ids)];
  const gone: string[] = [];
  const events = await getEvents(ctx, calendarId, wanted);
  const masters = new Map<string, GraphEvent>();
  const missingMasters = new Set<string>();
  for (const id of wanted) {
    const event = events.get(id);
    if (!event) gone.push(id);
    else if (event.seriesMasterId && event.type !== 'seriesMaster') missingMasters.add(event.seriesMasterId);
    else masters.set(event.id, event);
  }
  for (const id of masters.keys()) missingMasters.delete(id);
  for (const [id, event] of await getEvents(ctx, calendarId, [...missingMasters])) masters.set(id, event);
  return { ...(await itemsFor(ctx, masters.values())), gone };
}

/** Items for single events and series masters; one that cannot be mapped is a problem, not a failure. */
async function itemsFor(ctx: ProviderContext, events: Iterable<GraphEvent>): Promise<Omit<Hydrated, 'gone'>> {
  const out: Omit<Hydrated, 'gone'> = { items: [], problems: [], series: {} };
  for (const event of events) {
    try {
      const cuts: string[] = [];
      const item = await buildItem(ctx, event, cuts);
      out.items.push(item);
      for (const message of cuts) out.problems.push({ remoteId: event.id, code: 'FIELD_TRUNCATED', message });
      if (event.recurrence) out.series[item.remoteId] = item.etag;
    } catch (err) {
      if (failsTheListing(err)) throw err;
      // One unreadable event (unmappable, or a read Graph refused) is reported on its own: never read as
      // deleted, never in the way of the others.
      const code = isCalsyncError(err) && err.code === 'PROVIDER_REJECTED' ? 'GRAPH_ITEM_REFUSED' : 'GRAPH_UNMAPPABLE';
      out.problems.push({ remoteId: event.id, code, message: err instanceof Error ? err.message : String(err) });
    }
  }
  return out;
}

/** Codes a listing passes on unchanged: each asks the caller for something specific. */
const OWN_MEANING = new Set(['PROVIDER_LISTING_FAILED', 'PROVIDER_AUTH', 'PROVIDER_NOT_FOUND', 'PROVIDER_INVALID_SYNC_TOKEN']);

/** Any other failure of a listing is PROVIDER_LISTING_FAILED: a listing is never returned partial. */
export function asListingFailure(err: unknown): CalsyncError {
  if (isCalsyncError(err) && OWN_MEANING.has(err.code)) return err;
  return new CalsyncError('PROVIDER_LISTING_FAILED', `Graph listing failed: ${err instanceof Error ? err.message : String(err)}`, {
    cause: err,
    ...(isCalsyncError(err) && err.retryAfterS !== undefined ? { retryAfterS: err.retryAfterS } : {}),
  });
}

export async function fullListing(ctx: ProviderContext, calendarId: string): Promise<Extract<ChangeSet, { kind: 'full' }>> {
  const window = ctx.window();
  const { deltaLink } = await pageDelta(ctx, calendarId, undefined);
  const { items: events } = await collectListing<GraphEvent>(ctx.client, { method: 'GET', url: calendarEventsPath(calendarId), query: { $top: EVENTS_PAGE, ...EXPAND_QUERY } });
  const { items, problems, series } = await itemsFor(ctx, events.filter((e) => e.type !== 'occurrence' && e.type !== 'exception'));
  return { kind: 'full', items, cursor: encodeCursor({ deltaLink, series, windowFromMs: window.fromMs }), problems };
}

export async function deltaListing(ctx: ProviderContext, calendarId: string, cursorText: string, windowRefreshDays: number): Promise<ChangeSet> {
  const cursor: GraphCursor = decodeCursor(cursorText);
  // A deltaLink keeps the window it was made with; once "now" has moved on far enough, start over so
  // the window follows the calendar (the full listing that follows is complete, so nothing is lost).
  if (ctx.window().fromMs - cursor.windowFromMs > windowRefreshDays * 86_400_000) {
    throw new CalsyncError('PROVIDER_INVALID_SYNC_TOKEN', 'the delta window has moved on; a full listing is needed', { details: { reason: 'windowMoved' } });
  }
  const { entries, deltaLink } = await pageDelta(ctx, calendarId, cursor.deltaLink);
  const next = (series: Record<string, string>): string => encodeCursor({ deltaLink, series, windowFromMs: cursor.windowFromMs });
  if (entries.length === 0) return { kind: 'unchanged', cursor: next(cursor.series) };
  const removedIds = new Set(entries.filter((e) => e['@removed']).map((e) => e.id));
  const touched = new Set(entries.filter((e) => !e['@removed']).map((e) => e.seriesMasterId ?? e.id));
  const lookups = new Set([...touched, ...removedIds]);
  // A removed occurrence cannot be traced to its series: re-check every series we know.
  if (removedIds.size > 0) for (const id of Object.keys(cursor.series)) lookups.add(id);
  const hydrated = await hydrate(ctx, calendarId, lookups);
  const series = { ...cursor.series };
  for (const id of hydrated.gone) delete series[id];
  Object.assign(series, hydrated.series);
  // Series re-read only because something was removed are reported only if their etag moved.
  const changed = hydrated.items.filter((item) => touched.has(item.remoteId) || removedIds.has(item.remoteId) || cursor.series[item.remoteId] !== item.etag);
  const live = new Set(hydrated.items.map((i) => i.remoteId));
  const removed = [...new Set([...removedIds, ...hydrated.gone])].filter((id) => !live.has(id));
  if (changed.length === 0 && removed.length === 0 && hydrated.problems.length === 0) return { kind: 'unchanged', cursor: next(series) };
  return { kind: 'delta', changed, removed, cursor: next(series), problems: hydrated.problems };
}
