/**
 * Reading items: one `RemoteItem` per single event or per series. A series is its master plus the
 * exceptions and cancelled occurrences found by listing its instances (see occurrences.ts), mapped
 * into one model event and laid against our stored snapshot (mapping/snapshot.ts).
 *
 * The item etag is the master's `@odata.etag`, extended with a digest of the exceptions' changeKeys and
 * the cancelled occurrences when there are any: editing or deleting one occurrence in Outlook changes
 * the exception, not necessarily the master, yet for the engine the series item did change.
 */
import { createHash } from 'node:crypto';
import { isCalsyncError } from '../../errors.js';
import type { EventTime } from '../../model/event.js';
import { stableStringify } from '../../model/hash.js';
import { localToMs, toInstantMs } from '../../model/time.js';
import { resolveTzid } from '../../model/timezones.js';
import type { RemoteItem } from '../types.js';
import type { ProviderContext } from './context.js';
import { EXPAND_QUERY_STRING, batchError, calendarEventPath, eventPath, isSuccess, isoSeconds } from './context.js';
import type { GraphEvent } from './graph-types.js';
import { sendBatch } from './http/batch.js';
import { collectPages } from './http/paging.js';
import { eventFromGraph } from './mapping/event-from-graph.js';
import type { SeriesParts } from './mapping/event-from-graph.js';
import { hubIdOf, snapshotTextOf } from './mapping/extended-properties.js';
import { parseSnapshot, reconcileWithSnapshot } from './mapping/snapshot.js';
import { occurrenceKey, recurrenceIdFromGraph, timeFromGraph } from './mapping/time.js';
import { MAX_OCCURRENCES, expandOccurrences } from './occurrences.js';

const DAY_MS = 86_400_000;
/** Instances listed per page (Graph's default is 10). */
const INSTANCES_PAGE = '200';

/** Separates the master's etag from the series digest in an item etag. */
export const ETAG_SEPARATOR = '~';

export const masterEtagOf = (itemEtag: string): string => itemEtag.split(ETAG_SEPARATOR)[0] ?? itemEtag;

/** GETs events by id (`$batch`, 20 per request); ids that do not exist are absent from the map. */
export async function getEvents(ctx: ProviderContext, calendarId: string, ids: readonly string[]): Promise<Map<string, GraphEvent>> {
  const unique = [...new Set(ids)];
  const urls = unique.map((id) => `${calendarEventPath(calendarId, id)}?${EXPAND_QUERY_STRING}`);
  const results = await sendBatch(ctx.client, urls.map((url) => ({ method: 'GET' as const, url })));
  const found = new Map<string, GraphEvent>();
  results.forEach((result, i) => {
    const id = unique[i] as string;
    if (isSuccess(result.status)) found.set(id, result.body as GraphEvent);
    // 400 with ErrorInvalidIdMalformed: an id that cannot exist is as absent as a deleted one.
    else if (result.status !== 404 && !(result.status === 400 && /InvalidId/i.test(JSON.stringify(result.body)))) throw batchError(result, 'GET', urls[i] ?? '');
  });
  return found;
}

export interface SeriesSnapshot {
  parts: SeriesParts;
  /** Every instance listed (occurrences and exceptions), for writes that patch or delete them. */
  instances: GraphEvent[];
  /** `occurrenceKey` of an instance's original start. */
  keyOf(instance: GraphEvent): string;
  /**
   * Keys of the occurrences Outlook can show us (expected in the listed range, or listed): an EXDATE or
   * override of the hub outside them cannot be held by Outlook and is not compared (see snapshot.ts).
   */
  heldKeys: Set<string>;
  /** `occurrenceKey`s of the cancelled occurrences (`parts.cancelledStarts`). */
  cancelledKeys: Set<string>;
}

function startInfo(master: GraphEvent): { start: EventTime; allDayZone: string | undefined } {
  const start = master.start ? timeFromGraph(master.start, master.isAllDay === true, master.originalStartTimeZone) : { kind: 'utc' as const, utc: '1970-01-01T00:00:00Z' };
  return { start, allDayZone: master.originalStartTimeZone ? resolveTzid(master.originalStartTimeZone) : undefined };
}

/**
 * Graph refuses a view window over 1,825 days ("Maximum number of days: 1825", microsoft-graph-docs#6284),
 * so a series older than about three years is listed in windows of at most this many days.
 */
export const MAX_VIEW_DAYS = 1800;

/**
 * A series' instances in [fromMs, toMs), window by window (each ≤ MAX_VIEW_DAYS). An instance spanning a
 * window boundary is listed by both windows and kept once.
 */
async function listInstances(ctx: ProviderContext, masterId: string, fromMs: number, toMs: number): Promise<GraphEvent[]> {
  const byId = new Map<string, GraphEvent>();
  for (let from = fromMs; from < toMs; from += MAX_VIEW_DAYS * DAY_MS) {
    const to = Math.min(toMs, from + MAX_VIEW_DAYS * DAY_MS);
    const { items } = await collectPages<GraphEvent>(ctx.client, {
      method: 'GET',
      url: `${eventPath(masterId)}/instances`,
      query: { startDateTime: isoSeconds(from), endDateTime: isoSeconds(to), $top: INSTANCES_PAGE },
    });
    for (const instance of items) if (!byId.has(instance.id)) byId.set(instance.id, instance);
  }
  return [...byId.values()];
}

/**
 * Whether a failure while reading one item fails the whole listing (throttling, outages, auth, a gone
 * sync state: the calendar cannot be read now) or only that item. Graph refusing a request about one
 * event (400, PROVIDER_REJECTED) or an event we cannot map says nothing about the others, so that item
 * is reported on its own and the others are read (lessons.md row 16).
 */
export function failsTheListing(err: unknown): boolean {
  return isCalsyncError(err) && err.code.startsWith('PROVIDER_') && err.code !== 'PROVIDER_REJECTED';
}

/** Lists a series' instances and works out its exceptions and cancelled occurrences. */
export async function readSeries(ctx: ProviderContext, master: GraphEvent): Promise<SeriesSnapshot> {
  const { start, allDayZone } = startInfo(master);
  const startMs = start.kind === 'date' ? localToMs(start.date) : toInstantMs(start);
  // From the series' first occurrence (so cancellations before the sync window are seen too) to the
  // end of the window, at most MAX_OCCURRENCES occurrences.
  const fromMs = startMs - DAY_MS;
  let toMs = ctx.window().toMs;
  const expected = master.recurrence ? expandOccurrences(master.recurrence, start, fromMs, toMs, allDayZone) : [];
  const last = expected[expected.length - 1];
  if (expected.length >= MAX_OCCURRENCES && last) toMs = last.ms + 1;
  const instances = await listInstances(ctx, master.id, fromMs, toMs);
  const allDayOffsetMs = start.kind === 'date' ? allDayOffsetOf(instances) : undefined;
  const zones = { floatingZone: ctx.floatingZone, allDayZone, ...(allDayOffsetMs === undefined ? {} : { allDayOffsetMs }) };
  const keyOfStart = (originalStart: string): string => occurrenceKey(recurrenceIdFromGraph(originalStart, start, zones));
  const keyOf = (instance: GraphEvent): string =>
    keyOfStart(instance.originalStart ?? (instance.start ? isoSeconds(localToMs(instance.start.dateTime.slice(0, 19))) : ''));
  const present = new Set(instances.map(keyOf));
  // Occurrences right at the end of the listing may be cut off by how the server clips the window;
  // only those a day inside count as cancelled. (The listing starts a day before the first one.)
  const inside = expected.filter((o) => o.ms < toMs - DAY_MS).map((o) => isoSeconds(o.ms));
  const cancelledStarts = inside.filter((iso) => !present.has(keyOfStart(iso)));
  const exceptions = instances.filter((i) => i.type === 'exception' || i.isCancelled === true);
  const heldKeys = new Set([...present, ...inside.map(keyOfStart)]);
  const parts = { exceptions, cancelledStarts, ...(allDayOffsetMs === undefined ? {} : { allDayOffsetMs }) };
  return { parts, instances, keyOf, heldKeys, cancelledKeys: new Set(cancelledStarts.map(keyOfStart)) };
}

/**
 * How far an all-day series' `originalStart` instants lie from UTC midnight: the creator's zone, which
 * `originalStartTimeZone` does not reliably name (live Graph says "UTC" for all-day series whatever
 * the zone). Read off a plain occurrence, whose start date is its original date.
 */
function allDayOffsetOf(instances: readonly GraphEvent[]): number | undefined {
  const plain = instances.find((i) => i.type === 'occurrence' && i.originalStart && i.start);
  if (!plain?.originalStart || !plain.start) return undefined;
  return Date.parse(plain.originalStart) - localToMs(plain.start.dateTime.slice(0, 10));
}

export function itemEtag(master: GraphEvent, parts: SeriesParts): string {
  const masterEtag = master['@odata.etag'] ?? `W/"${master.changeKey ?? ''}"`;
  if (parts.exceptions.length === 0 && parts.cancelledStarts.length === 0) return masterEtag;
  const digest = createHash('sha256')
    .update(stableStringify({ x: parts.exceptions.map((e) => `${e.id}:${e.changeKey ?? e['@odata.etag'] ?? ''}`).sort(), c: [...parts.cancelledStarts].sort() }))
    .digest('base64url')
    .slice(0, 16);
  return `${masterEtag}${ETAG_SEPARATOR}${digest}`;
}

/** The item for a single event or series master (instances are listed for a series). */
export async function buildItem(ctx: ProviderContext, event: GraphEvent, cuts?: string[]): Promise<RemoteItem> {
  return itemOf(ctx, event, event.recurrence ? await readSeries(ctx, event) : undefined, cuts);
}

/** The item for a single event or series master whose instances were listed (`read`). */
export function itemOf(ctx: ProviderContext, event: GraphEvent, read: SeriesSnapshot | undefined, cuts?: string[]): RemoteItem {
  const series = read?.parts ?? { exceptions: [], cancelledStarts: [] };
  const opts = { floatingZone: ctx.floatingZone, ...(cuts ? { cuts } : {}) };
  const mapped = reconcileWithSnapshot(eventFromGraph(event, series, opts), parseSnapshot(snapshotTextOf(event)), opts, read?.heldKeys);
  const hubId = hubIdOf(event);
  return { remoteId: event.id, etag: itemEtag(event, series), event: mapped, ...(hubId ? { hubId } : {}) };
}

/** Items for ids (absent ids omitted); occurrences and exceptions are not items and are skipped. */
export async function readItems(ctx: ProviderContext, calendarId: string, ids: readonly string[]): Promise<Map<string, RemoteItem>> {
  const events = await getEvents(ctx, calendarId, ids);
  const items = new Map<string, RemoteItem>();
  for (const [id, event] of events) {
    if (event.type === 'occurrence' || event.type === 'exception') continue;
    items.set(id, await buildItem(ctx, event));
  }
  return items;
}
