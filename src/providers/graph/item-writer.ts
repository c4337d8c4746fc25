/**
 * Writes. Creates are idempotent twice over: a UID already in the calendar is refused with
 * PROVIDER_CONFLICT (match before create), and the POST carries a `transactionId` derived from the
 * calendar, UID and content, so a POST retried after a lost response returns the first event instead of
 * a duplicate (lessons.md row 1). Updates and deletes carry `If-Match` with the master's etag; a series
 * is additionally compared with its full item etag (exceptions included) before anything is written.
 *
 * Overrides and EXDATEs are written the only way Graph allows: by PATCHing the occurrence at the
 * override's original start (making it an exception) and by DELETEing cancelled occurrences, in `$batch`
 * requests. Graph cannot restore a deleted occurrence, so an EXDATE removed in the hub stays cancelled
 * in Outlook.
 */
import { createHash } from 'node:crypto';
import { CalsyncError, isCalsyncError } from '../../errors.js';
import type { CalendarEvent } from '../../model/event.js';
import { hashEvent } from '../../model/hash.js';
import type { WriteOptions } from '../types.js';
import type { ProviderContext } from './context.js';
import { batchError, calendarEventsPath, eventPath, isSuccess } from './context.js';
import type { GraphEvent } from './graph-types.js';
import type { BatchItem } from './http/batch.js';
import { sendBatch } from './http/batch.js';
import { eventToGraph, fieldsToGraph } from './mapping/event-to-graph.js';
import type { GraphEventWrite } from './mapping/event-to-graph.js';
import { fieldsFromGraph } from './mapping/event-from-graph.js';
import { ourProperties } from './mapping/extended-properties.js';
import { snapshotText } from './mapping/snapshot.js';
import { plainOccurrence, sameOnOutlook } from './mapping/plain-occurrence.js';
import { occurrenceKey, recurrenceIdFromGraph } from './mapping/time.js';
import { masterEtagOf, readSeries, type SeriesSnapshot } from './item-reader.js';

/** Graph's idempotency key for a create: the same create, retried, gets the same key. */
export function transactionIdFor(calendarId: string, event: CalendarEvent): string {
  return `calsync-${createHash('sha256').update(`${calendarId}\n${event.uid}\n${hashEvent(event)}`).digest('hex').slice(0, 32)}`;
}

/** The body of a POST/PATCH: mapped fields plus our id, UID and snapshot. */
export function writeBody(event: CalendarEvent, opts: WriteOptions, ctx: ProviderContext): GraphEventWrite {
  return { ...eventToGraph(event, { floatingZone: ctx.floatingZone }), singleValueExtendedProperties: ourProperties(opts.hubId, event.uid, snapshotText(event)) };
}

/**
 * The event a POST/PATCH answered with, carrying the extended properties we just wrote: Graph returns
 * them only when expanded, and they are ours by construction (this very request set them).
 */
function withWrittenProperties(response: GraphEvent, body: GraphEventWrite): GraphEvent {
  return { ...response, singleValueExtendedProperties: body.singleValueExtendedProperties ?? [] };
}

export async function postEvent(ctx: ProviderContext, calendarId: string, event: CalendarEvent, opts: WriteOptions): Promise<GraphEvent> {
  const body = { ...writeBody(event, opts, ctx), transactionId: transactionIdFor(calendarId, event) };
  return withWrittenProperties(await ctx.client.json<GraphEvent>({ method: 'POST', url: calendarEventsPath(calendarId), body }), body);
}

/**
 * PATCH with If-Match on the master's etag; resolves with the event Graph returns.
 * @param keepPattern leave `recurrence` out: Outlook discards every exception and cancellation of a
 * series whose recurrence is PATCHed, even to the same value.
 */
export async function patchEvent(ctx: ProviderContext, remoteId: string, event: CalendarEvent, etag: string, opts: WriteOptions, keepPattern = false): Promise<GraphEvent> {
  const body = writeBody(event, opts, ctx);
  if (keepPattern) delete body.recurrence;
  return withWrittenProperties(await ctx.client.json<GraphEvent>({ method: 'PATCH', url: eventPath(remoteId), headers: { 'If-Match': masterEtagOf(etag) }, body }), body);
}

/** DELETE with If-Match; an item already gone is success (deletes are idempotent). */
export async function deleteEvent(ctx: ProviderContext, remoteId: string, etag: string): Promise<void> {
  try {
    await ctx.client.send({ method: 'DELETE', url: eventPath(remoteId), headers: { 'If-Match': masterEtagOf(etag) } });
  } catch (err) {
    if (isCalsyncError(err) && err.code === 'PROVIDER_NOT_FOUND') return;
    // An id Graph cannot even parse names nothing that could exist.
    if (isCalsyncError(err) && err.code === 'PROVIDER_REJECTED' && /InvalidId/i.test(String(err.details?.graphCode))) return;
    throw err;
  }
}

/**
 * What `syncOccurrences` saw and did: the series as listed just before its occurrence writes, the
 * changeKey each patched occurrence came back with, and the occurrences it cancelled. Enough to prove
 * afterwards that the series read back holds our writes and nobody else's (`seriesIsOurs`).
 */
export interface OccurrenceWrites {
  before: SeriesSnapshot;
  /** Instance id → the changeKey its PATCH answered with. */
  patched: Map<string, string>;
  /** `occurrenceKey`s of the occurrences we deleted. */
  cancelled: Set<string>;
}

const changeKeyOf = (e: Pick<GraphEvent, 'changeKey' | '@odata.etag'>): string => e.changeKey ?? (e['@odata.etag'] ?? '').replace(/^W\//, '').replace(/^"|"$/g, '');

/**
 * Makes the series' occurrences match the event's overrides and EXDATEs: occurrences at an EXDATE are
 * deleted, occurrences with an override are patched (only when they differ), and exceptions the hub no
 * longer has are patched back to the plain occurrence. `check` may refuse the series as listed (throw)
 * before any of that is written.
 */
export async function syncOccurrences(ctx: ProviderContext, master: GraphEvent, event: CalendarEvent, check?: (before: SeriesSnapshot) => void): Promise<OccurrenceWrites> {
  const series = await readSeries(ctx, master);
  // The caller's last word on the series as listed, before anything in it is written.
  check?.(series);
  const writes: OccurrenceWrites = { before: series, patched: new Map(), cancelled: new Set() };
  if (!event.recurrence) return writes;
  const opts = { floatingZone: ctx.floatingZone };
  const exdates = new Set(event.recurrence.exdates.map(occurrenceKey));
  const overrides = new Map(event.overrides.map((o) => [occurrenceKey(o.recurrenceId), o] as const));
  const ops: BatchItem[] = [];
  const targets: GraphEvent[] = [];
  for (const instance of series.instances) {
    const k = series.keyOf(instance);
    const url = eventPath(instance.id);
    const headers = instance['@odata.etag'] ? { 'If-Match': instance['@odata.etag'] } : undefined;
    const override = overrides.get(k);
    const current = fieldsFromGraph(instance);
    const before = ops.length;
    if (exdates.has(k)) ops.push({ method: 'DELETE', url, ...(headers ? { headers } : {}) });
    else if (override && !sameOnOutlook(override, current, opts)) ops.push({ method: 'PATCH', url, body: fieldsToGraph(override, opts), ...(headers ? { headers } : {}) });
    else if (!override && instance.type === 'exception' && instance.originalStart) {
      const zones = { ...opts, ...(series.parts.allDayOffsetMs === undefined ? {} : { allDayOffsetMs: series.parts.allDayOffsetMs }) };
      const plain = plainOccurrence(event, recurrenceIdFromGraph(instance.originalStart, event.start, zones));
      if (!sameOnOutlook(plain, current, opts)) ops.push({ method: 'PATCH', url, body: fieldsToGraph(plain, opts), ...(headers ? { headers } : {}) });
    }
    if (ops.length > before) targets.push(instance);
  }
  const results = await sendBatch(ctx.client, ops);
  results.forEach((result, i) => {
    const op = ops[i] as BatchItem;
    const instance = targets[i] as GraphEvent;
    // A 404 on DELETE: the occurrence is already gone, which is what we wanted.
    if (!isSuccess(result.status) && !(op.method === 'DELETE' && result.status === 404)) throw batchError(result, op.method, op.url);
    if (op.method === 'DELETE') writes.cancelled.add(series.keyOf(instance));
    else {
      const answered = result.body as GraphEvent | undefined;
      writes.patched.set(answered?.id ?? instance.id, answered ? changeKeyOf(answered) : '');
    }
  });
  return writes;
}

/**
 * Whether the series read back after our writes holds our writes and nobody else's: its master is at the
 * changeKey our PATCH/POST answered with, each occurrence we patched is at the changeKey its PATCH
 * answered with, the exceptions we did not touch are as we listed them before writing, and the
 * cancelled occurrences are those listed before plus the ones we deleted.
 */
export function seriesIsOurs(written: GraphEvent, readMaster: GraphEvent, read: SeriesSnapshot, writes: OccurrenceWrites): boolean {
  if (changeKeyOf(readMaster) !== changeKeyOf(written)) return false;
  const expected = new Map<string, string>();
  for (const e of writes.before.instances) if (e.type === 'exception' && !writes.cancelled.has(writes.before.keyOf(e))) expected.set(e.id, changeKeyOf(e));
  for (const [id, changeKey] of writes.patched) expected.set(id, changeKey);
  const actual = read.instances.filter((e) => e.type === 'exception');
  if (actual.length !== expected.size || actual.some((e) => expected.get(e.id) !== changeKeyOf(e))) return false;
  const cancelled = new Set([...writes.before.cancelledKeys, ...writes.cancelled]);
  return read.cancelledKeys.size === cancelled.size && [...read.cancelledKeys].every((k) => cancelled.has(k));
}

/**
 * The write finished on the server but its result is gone when read back: someone deleted it after our
 * write (`details.written`: the engine keeps the link, so the next sync sees the deletion).
 */
export function readBackFailed(remoteId: string): CalsyncError {
  return new CalsyncError('PROVIDER_NOT_FOUND', `event ${remoteId} was written but is gone when read back`, { details: { remoteId, written: true } });
}
