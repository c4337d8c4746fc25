/**
 * Answers `listChanges` for one memory calendar: a full listing, `unchanged`, or a delta read from the
 * change log. A cursor the server cannot honour (malformed, from another epoch or calendar, too old for
 * the log, past its age limit) is PROVIDER_INVALID_SYNC_TOKEN, never a silent empty delta.
 */
import { CalsyncError } from '../../errors.js';
import type { ChangeSet, ItemProblem, RemoteItem } from '../types.js';
import { listByContent } from './content-cursor.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import type { MemoryCalendar, StoredItem } from './memory-calendar.js';

export interface ListingOptions {
  /** Force a complete listing. */
  full: boolean;
  /** False: behave like a server without sync-collection (CTag check, then a full listing). */
  incremental: boolean;
  nowMs: number;
  /** Cursors older than this are rejected; undefined: no age limit. */
  cursorTtlMs: number | undefined;
  /** Cursors are hashes of the calendar's content, like Radicale's and Xandikos's (`content-cursor.ts`). */
  contentHash?: boolean;
}

/** The client's copy of a stored item: a deep clone, so callers can never edit the server's state. */
export function toRemoteItem(stored: StoredItem & { event: NonNullable<StoredItem['event']> }): RemoteItem {
  const item: RemoteItem = { remoteId: stored.remoteId, etag: stored.etag, event: structuredClone(stored.event) };
  if (stored.hubId !== undefined) item.hubId = stored.hubId;
  return item;
}

function problemOf(stored: StoredItem): ItemProblem {
  return { remoteId: stored.remoteId, code: 'ICAL_PARSE', message: stored.corruptReason ?? 'unreadable item' };
}

function invalidCursor(calendarId: string, reason: string): CalsyncError {
  return new CalsyncError('PROVIDER_INVALID_SYNC_TOKEN', `sync cursor for ${calendarId} is no longer valid: ${reason}`, {
    details: { calendarId, reason },
  });
}

function fullListing(cal: MemoryCalendar, cursor: string): ChangeSet {
  const items: RemoteItem[] = [];
  const problems: ItemProblem[] = [];
  for (const stored of cal.all()) {
    if (stored.event) items.push(toRemoteItem({ ...stored, event: stored.event }));
    else problems.push(problemOf(stored));
  }
  return { kind: 'full', items, cursor, problems };
}

function deltaOf(cal: MemoryCalendar, ids: readonly string[], cursor: string): ChangeSet {
  const changed: RemoteItem[] = [];
  const removed: string[] = [];
  const problems: ItemProblem[] = [];
  for (const remoteId of ids) {
    const stored = cal.get(remoteId);
    if (!stored) removed.push(remoteId);
    else if (stored.event) changed.push(toRemoteItem({ ...stored, event: stored.event }));
    else problems.push(problemOf(stored));
  }
  return { kind: 'delta', changed, removed, cursor, problems };
}

export function listChanges(cal: MemoryCalendar, cursor: string | null, opts: ListingOptions): ChangeSet {
  if (opts.contentHash) {
    return listByContent(cal, cursor, opts.full, {
      full: (next) => fullListing(cal, next),
      delta: (ids, next) => (opts.incremental ? deltaOf(cal, ids, next) : fullListing(cal, next)),
    });
  }
  const calendarId = cal.info.remoteId;
  const next = encodeCursor({ epoch: cal.epoch, seq: cal.log.seq, issuedAtMs: opts.nowMs });
  if (cursor === null || opts.full) return fullListing(cal, next);

  const decoded = decodeCursor(cursor);
  if (!decoded) throw invalidCursor(calendarId, 'malformed');
  if (decoded.epoch !== cal.epoch) throw invalidCursor(calendarId, 'reset by the server');
  if (opts.cursorTtlMs !== undefined && opts.nowMs - decoded.issuedAtMs > opts.cursorTtlMs) throw invalidCursor(calendarId, 'expired');
  const ids = cal.log.changedSince(decoded.seq);
  if (!ids) throw invalidCursor(calendarId, 'outside the change history');

  if (ids.length === 0) return { kind: 'unchanged', cursor: next };
  if (!opts.incremental) return fullListing(cal, next);

  return deltaOf(cal, ids, next);
}
