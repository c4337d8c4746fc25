/**
 * Expansion of stored events into what views return: single instances, occurrences and
 * exceptions. Occurrences are never stored; they are recomputed from the series master, so an id
 * handed out by a view stays resolvable as long as the occurrence exists.
 */
import { occurrenceId, parseOccurrenceId } from './ids.js';
import type { ExceptionRecord, Instance, Mailbox, StoredEvent } from './model.js';
import { MAX_OCCURRENCES, occurrenceDates } from './recurrence.js';
import { localMsToInstant, wallFields } from './time-zones.js';

export function seriesZone(ev: StoredEvent): string {
  return ev.recurrence?.range.recurrenceTimeZone || ev.times.startZone;
}

/** Original start instants of a series, in order (lazy, bounded by the recurrence expander). */
export function* occurrenceStarts(ev: StoredEvent): Generator<number> {
  if (!ev.recurrence) return;
  const zone = seriesZone(ev);
  const { timeOfDayMs } = wallFields(ev.times.startMs, zone);
  for (const day of occurrenceDates(ev.recurrence)) yield localMsToInstant(day + timeOfDayMs, zone);
}

export function asSingle(ev: StoredEvent): Instance {
  return {
    id: ev.id,
    type: ev.recurrence ? 'seriesMaster' : 'singleInstance',
    event: ev,
    times: ev.times,
    props: ev.props,
    changeKey: ev.changeKey,
    lastModifiedMs: ev.lastModifiedMs,
    originalStartMs: null,
  };
}

function occurrence(ev: StoredEvent, startMs: number): Instance {
  const duration = ev.times.endMs - ev.times.startMs;
  return {
    id: occurrenceId(ev.id, startMs),
    type: 'occurrence',
    event: ev,
    times: { ...ev.times, startMs, endMs: startMs + duration },
    props: ev.props,
    changeKey: ev.changeKey,
    lastModifiedMs: ev.lastModifiedMs,
    originalStartMs: startMs,
  };
}

function exception(ev: StoredEvent, startMs: number, rec: ExceptionRecord): Instance {
  return {
    id: occurrenceId(ev.id, startMs),
    type: 'exception',
    event: ev,
    times: rec.times,
    props: { ...ev.props, ...rec.props },
    changeKey: rec.changeKey,
    lastModifiedMs: rec.lastModifiedMs,
    originalStartMs: startMs,
  };
}

export function overlaps(i: Instance, fromMs: number, toMs: number): boolean {
  const { startMs, endMs } = i.times;
  if (startMs === endMs) return startMs >= fromMs && startMs < toMs;
  return startMs < toMs && endMs > fromMs;
}

/** The instances of one stored event that overlap [fromMs, toMs). Masters are expanded. */
export function instancesInWindow(ev: StoredEvent, fromMs: number, toMs: number): Instance[] {
  if (!ev.recurrence) {
    const single = asSingle(ev);
    return overlaps(single, fromMs, toMs) ? [single] : [];
  }
  const out: Instance[] = [];
  const duration = ev.times.endMs - ev.times.startMs;
  for (const start of occurrenceStarts(ev)) {
    if (start >= toMs) break;
    if (start + duration < fromMs || ev.deletedOccurrences.has(start) || ev.exceptions.has(start)) continue;
    const occ = occurrence(ev, start);
    if (overlaps(occ, fromMs, toMs)) out.push(occ);
  }
  // Exceptions may have moved anywhere, so each is checked on its own.
  for (const [start, rec] of ev.exceptions) {
    const exc = exception(ev, start, rec);
    if (overlaps(exc, fromMs, toMs)) out.push(exc);
  }
  return out;
}

export function isOccurrenceStart(ev: StoredEvent, startMs: number): boolean {
  let n = 0;
  for (const s of occurrenceStarts(ev)) {
    if (s === startMs) return true;
    if (s > startMs || ++n > MAX_OCCURRENCES) return false;
  }
  return false;
}

/** The stored event an immutable or (current) regular id names. */
export function storedEvent(mailbox: Mailbox, id: string): StoredEvent | undefined {
  return mailbox.events.get(id) ?? mailbox.events.get(mailbox.byRegularId.get(id) ?? '');
}

/**
 * The id a client sees for an internal (immutable) id: itself with `Prefer: IdType="ImmutableId"`, else
 * the event's regular id (occurrence ids are derived from whichever master id the client sees).
 */
export function publicId(mailbox: Mailbox, id: string, immutable: boolean): string {
  if (immutable) return id;
  const occ = parseOccurrenceId(id);
  if (occ) return occurrenceId(mailbox.regularIds.get(occ.masterId) ?? occ.masterId, occ.originalStartMs);
  return mailbox.regularIds.get(id) ?? id;
}

/** Resolve any id a client may hold: single, series master, occurrence or exception, immutable or regular. */
export function findInstance(mailbox: Mailbox, id: string): Instance | undefined {
  const stored = storedEvent(mailbox, id);
  if (stored) return asSingle(stored);
  const occ = parseOccurrenceId(id);
  if (!occ) return undefined;
  const master = storedEvent(mailbox, occ.masterId);
  if (!master?.recurrence || master.deletedOccurrences.has(occ.originalStartMs)) return undefined;
  const rec = master.exceptions.get(occ.originalStartMs);
  if (rec) return exception(master, occ.originalStartMs, rec);
  return isOccurrenceStart(master, occ.originalStartMs) ? occurrence(master, occ.originalStartMs) : undefined;
}

export function sortByStart(items: Instance[]): Instance[] {
  return items.sort((a, b) => a.times.startMs - b.times.startMs || a.id.localeCompare(b.id));
}
