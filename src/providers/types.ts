/**
 * The contract every calendar system implements (memory, CalDAV/iCloud, Outlook/Graph), checked by one
 * conformance suite (`test/providers/conformance.ts`). The engine talks only to this interface.
 *
 * Failures are `CalsyncError`s with the shared PROVIDER_* codes:
 * - PROVIDER_PRECONDITION_FAILED: the etag given to update/delete is stale (412).
 * - PROVIDER_NOT_FOUND: the item is gone (update/delete/fetch of one item).
 * - PROVIDER_CONFLICT: create of an id/UID that already exists (If-None-Match failed, UID conflict).
 * - PROVIDER_THROTTLED / PROVIDER_UNAVAILABLE / PROVIDER_TIMEOUT: retryable, `retryAfterS` when known.
 * - PROVIDER_LISTING_FAILED: a listing could not be completed — never to be read as "empty".
 * - PROVIDER_INVALID_SYNC_TOKEN: the cursor is no longer valid; call again with `full: true`.
 * - PROVIDER_AUTH: credentials rejected / re-auth needed.
 */
import type { CalendarEvent } from '../model/event.js';

export interface RemoteCalendar {
  /** CalDAV collection href / Graph calendar id. */
  remoteId: string;
  name: string;
  color?: string;
  /** False for calendars we may only read. */
  writable: boolean;
  /** Components the collection accepts (CalDAV), e.g. ['VEVENT']. */
  components?: string[];
}

/** One item of a remote calendar: a CalDAV resource (master + overrides) or a Graph series/event. */
export interface RemoteItem {
  remoteId: string;
  etag: string;
  /** Parsed into the model; overrides of a recurring event are inside it. */
  event: CalendarEvent;
  /** The hub id we stamped on the item when we created it (X-CALSYNC-HUB-ID / Graph extended property). */
  hubId?: string;
}

/** A per-item problem during a listing or fetch (unparseable data, duplicate UID): reported, not fatal. */
export interface ItemProblem {
  remoteId: string;
  code: string;
  message: string;
}

/**
 * What changed since a cursor.
 * - `unchanged`: nothing changed (CTag equal); `cursor` may be the same.
 * - `delta`: `changed` items (full data) and `removed` ids; items not named did not change.
 * - `full`: the complete content of the calendar; anything not listed is gone. Returned on a first sync,
 *   when `full` was asked for, or when the provider had to fall back (invalid token, no sync support).
 * Every listing is complete or it throws: a partial listing is never returned.
 */
export type ChangeSet =
  | { kind: 'unchanged'; cursor: string }
  | { kind: 'delta'; changed: RemoteItem[]; removed: string[]; cursor: string; problems: ItemProblem[] }
  | { kind: 'full'; items: RemoteItem[]; cursor: string; problems: ItemProblem[] };

export interface ProviderCapabilities {
  /** CalDAV sync-collection / Graph delta. */
  incremental: boolean;
  /** WebDAV-Push / Graph subscriptions. */
  push: boolean;
  /** The provider can express this RRULE; rules it cannot express stay in the hub and are flagged. */
  supportsRecurrence(rrule: string): boolean;
  /** Max concurrent requests the provider allows per account. */
  maxConcurrency: number;
}

export interface WriteOptions {
  /** The hub id to stamp on the item (for echo suppression and orphan matching). */
  hubId: string;
}

/**
 * What a create or update returns. `item` is the server's copy as read back after the write; `ours`
 * tells whether that copy is provably our own write (its etag/changeKey is the one our write's response
 * carried, or the server gave none and the content read back is what we wrote). When it is not, someone
 * else wrote between our write and our read: `item` is their version, a remote change to merge — never a
 * base. The engine stores `item` as the link's base only when `ours`.
 */
export interface WriteResult {
  /** The server's copy as read back after the write. */
  item: RemoteItem;
  /** True when `item` is provably our own write; false: `item` is someone else's later version. */
  ours: boolean;
  /** The etag/changeKey our write's response carried ('' when the server gave none). */
  writtenEtag: string;
}

export interface RequestStats {
  /** Requests sent since the provider was created (benchmarks and `sync --json` report them). */
  requests: number;
  /** Throttling answers (429/503) received since the provider was created, retried or not (`calsync_throttled_total`). */
  throttled?: number;
}

export interface CalendarProvider {
  readonly kind: string;
  readonly capabilities: ProviderCapabilities;
  readonly stats: RequestStats;

  listCalendars(): Promise<RemoteCalendar[]>;

  /** Changes since `cursor` (null: first sync → `full`). `full: true` forces a complete listing. */
  listChanges(calendarId: string, cursor: string | null, opts?: { full?: boolean }): Promise<ChangeSet>;

  /** Fetch items by id; ids that no longer exist are absent from the result. */
  fetch(calendarId: string, remoteIds: readonly string[]): Promise<RemoteItem[]>;

  /** Find an item by UID (match-before-create); undefined when absent. */
  findByUid(calendarId: string, uid: string): Promise<RemoteItem | undefined>;

  /**
   * Create. Idempotent: the remote id is derived from the UID, so retrying a create that already
   * succeeded raises PROVIDER_CONFLICT (then the caller matches by UID) instead of duplicating.
   * Returns the item as the server stored it, and whether that copy is provably ours (`WriteResult`).
   */
  create(calendarId: string, event: CalendarEvent, opts: WriteOptions): Promise<WriteResult>;

  /** Update with If-Match `etag`. Returns the stored copy and whether it is provably ours. */
  update(calendarId: string, remoteId: string, event: CalendarEvent, etag: string, opts: WriteOptions): Promise<WriteResult>;

  /** Delete with If-Match `etag`. Deleting an item that is already gone resolves (idempotent). */
  delete(calendarId: string, remoteId: string, etag: string): Promise<void>;

  close?(): Promise<void>;
}
