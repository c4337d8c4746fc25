/**
 * CalDAV resources ⇄ provider items. One resource holds one UID: the master and its RECURRENCE-ID
 * overrides (or overrides only), as RFC 4791 §4.1 requires and as iCloud stores them. A resource that
 * cannot be read becomes an `ItemProblem` naming it, so one bad item never stops a listing (#16).
 */
import { CalsyncError, isCalsyncError } from '../../errors.js';
import { parseIcal, type IcalProblemCode } from '../../ical/index.js';
import { detachStrings } from '../../util/detach.js';
import type { ItemProblem, RemoteItem } from '../types.js';
import type { ItemData } from './calendar-collection.js';

/** Codec findings that describe legal data (a resource with overrides only) rather than a problem. */
const BENIGN: ReadonlySet<IcalProblemCode> = new Set<IcalProblemCode>(['MASTERLESS']);

export interface ReadResult {
  items: RemoteItem[];
  problems: ItemProblem[];
}

/** What one resource reads as: its item (none for a resource without a VEVENT or one that failed), its problems. */
export interface ResourceRead {
  item: RemoteItem | undefined;
  problems: ItemProblem[];
  /** The resource read, on reads that yield no item (so they can be named). */
  href?: string;
}

function failed(resource: ItemData, code: string, message: string): ResourceRead {
  return { item: undefined, problems: [{ remoteId: resource.href, code, message }], href: resource.href };
}

/**
 * Reads one resource into the model, keeping nothing of its text (a listing calls it as each response
 * arrives). Resources with no VEVENT at all (a VTODO in a mixed collection) read as nothing. Everything
 * else that yields no item is a problem naming the resource: no calendar-data, no ETag, text that does
 * not parse, a VEVENT without UID or usable DTSTART — an unreadable item must never look deleted.
 */
export function readResource(resource: ItemData): ResourceRead {
  if (resource.data === undefined) return failed(resource, 'MISSING_DATA', 'the server sent no calendar-data for this resource');
  if (resource.etag === '') return failed(resource, 'MISSING_ETAG', 'the server sent no ETag for this resource');
  let parsed: ReturnType<typeof parseIcal>;
  try {
    // The VTIMEZONEs of known zones are not needed to read the events (nearly every resource repeats them).
    parsed = parseIcal(resource.data, { skipKnownTimezones: true });
  } catch (err) {
    return failed(resource, isCalsyncError(err) ? err.code : 'ICAL_PARSE', err instanceof Error ? err.message : String(err));
  }
  const [first, ...others] = parsed.items;
  if (!first) {
    // A VEVENT the codec could not model (no UID, no usable DTSTART) is an event we cannot read.
    const unmodelled = parsed.problems.find((p) => p.code === 'UNMODELLED_EVENT' || p.code === 'DUPLICATE_EVENT');
    return unmodelled ? failed(resource, unmodelled.code, unmodelled.message) : { item: undefined, problems: [], href: resource.href };
  }
  if (others.length > 0) {
    // Writing such a resource back would drop the other UIDs, so it is reported, not synced.
    const uids = parsed.items.map((i) => i.uid).join(', ');
    return failed(resource, 'MULTIPLE_UIDS', `resource holds ${parsed.items.length} UIDs (${uids}); one is expected`);
  }
  const problems: ItemProblem[] = [];
  for (const problem of [...parsed.problems, ...first.problems]) {
    if (!BENIGN.has(problem.code)) problems.push({ remoteId: resource.href, code: problem.code, message: problem.message });
  }
  // The event is kept (a listing keeps 10,000 of them); its strings must not keep the resource's text.
  const item: RemoteItem = { remoteId: resource.href, etag: resource.etag, event: detachStrings(first.event) };
  if (first.hubId !== undefined) item.hubId = first.hubId;
  return { item, problems };
}

/**
 * The items of resources fetched by id (`CalendarProvider.fetch`): every resource the server returned
 * exists, so one that reads as no item is PROVIDER_ITEM_UNREADABLE (details: `remoteId`, the first;
 * `remoteIds`, all of them) — never silently absent, which the engine would read as a deletion.
 */
export function fetchedItems(reads: readonly ResourceRead[]): RemoteItem[] {
  const items: RemoteItem[] = [];
  const unreadable: ItemProblem[] = [];
  for (const read of reads) {
    if (read.item) items.push(read.item);
    else unreadable.push(read.problems[0] ?? { remoteId: read.href ?? '', code: 'NO_VEVENT', message: 'the resource holds no VEVENT' });
  }
  if (unreadable.length > 0) throw unreadableError(unreadable);
  return items;
}

/** PROVIDER_ITEM_UNREADABLE for items that exist but cannot be read. */
export function unreadableError(problems: readonly ItemProblem[]): CalsyncError {
  const [first] = problems;
  const names = problems.map((p) => `${p.remoteId} (${p.code}: ${p.message})`).join('; ');
  return new CalsyncError('PROVIDER_ITEM_UNREADABLE', `${problems.length} item(s) exist but cannot be read: ${names}`, {
    details: { remoteId: first?.remoteId, remoteIds: problems.map((p) => p.remoteId), problems: problems.map((p) => ({ ...p })) },
  });
}

/** Items and problems of many reads, in order. */
export function collectReads(reads: readonly ResourceRead[]): ReadResult {
  const out: ReadResult = { items: [], problems: [] };
  for (const read of reads) {
    if (read.item) out.items.push(read.item);
    for (const problem of read.problems) out.problems.push(problem);
  }
  return out;
}

export function readResources(resources: readonly ItemData[]): ReadResult {
  return collectReads(resources.map(readResource));
}
