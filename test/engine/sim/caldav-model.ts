/**
 * A CalDAV-like calendar with the behaviour of Radicale and Xandikos that matters to the engine:
 * - a resource's ETag is a hash of its content (the same content has the same ETag);
 * - the collection's CTag and sync-token are hashes of the collection's content: after a create and
 *   a delete they return to the value they had before (finding 3's shape);
 * - sync-collection answers a delta against any token the collection ever had, `unchanged` when the
 *   token is the current one, and 403 valid-sync-token (PROVIDER_INVALID_SYNC_TOKEN) otherwise;
 * - resource names derive from the UID; PUT If-None-Match: * of an existing one is a 412
 *   (PROVIDER_CONFLICT), PUT/DELETE If-Match a stale ETag a 412 (PROVIDER_PRECONDITION_FAILED);
 * - the PUT's response carries the new ETag.
 */
import { CalsyncError } from '../../../src/errors.js';
import type { CalendarEvent } from '../../../src/model/event.js';
import { hashValue } from '../../../src/model/hash.js';
import { remoteIdForUid } from '../../../src/providers/memory/index.js';
import type { ChangeSet } from '../../../src/providers/types.js';
import { ModelCalendar, toRemote, type Stored, type Written } from './model-calendar.js';

export class CalDavModel extends ModelCalendar {
  static readonly ID = '/dav/calendars/user/wedding/';
  readonly name = 'caldav' as const;
  readonly remoteCalendarId = CalDavModel.ID;
  /** Every state the collection was ever in, by its token: resource name → ETag. */
  private readonly snapshots = new Map<string, { version: number; members: Map<string, string> }>();
  private version = 0;
  /** With `tombstones`: when each resource was last deleted. */
  private readonly deletedAt = new Map<string, number>();

  /**
   * @param monotonic mix a version counter into the token, so it never returns to an earlier value.
   * @param tombstones keep a tombstone log, so a delta names items created and deleted since its token.
   */
  constructor(
    private readonly monotonic = false,
    private readonly tombstones = false,
  ) {
    super();
    this.snapshot();
  }

  /** The sync-token (and CTag): a hash of the collection's content. */
  token(): string {
    const members = [...this.items.values()].map((s) => [s.remoteId, s.etag]).sort((a, b) => ((a[0] ?? '') < (b[0] ?? '') ? -1 : 1));
    return `http://sim.test/sync/${hashValue(this.monotonic ? [this.version, members] : members).slice(0, 16)}`;
  }

  listChanges(cursor: string | null, full: boolean): ChangeSet {
    const token = this.token();
    if (cursor === null || full) return { kind: 'full', items: [...this.items.values()].map(toRemote), cursor: token, problems: [] };
    if (cursor === token) return { kind: 'unchanged', cursor: token };
    const then = this.snapshots.get(cursor);
    if (!then) throw new CalsyncError('PROVIDER_INVALID_SYNC_TOKEN', `sync-token ${cursor} is not valid`, { details: { cursor } });
    const changed = [...this.items.values()].filter((s) => then.members.get(s.remoteId) !== s.etag).map(toRemote);
    const removed = [...new Set([...then.members.keys(), ...[...this.deletedAt].filter(([, v]) => v > then.version).map(([id]) => id)])].filter((id) => !this.items.has(id));
    return { kind: 'delta', changed, removed, cursor: token, problems: [] };
  }

  create(event: CalendarEvent, hubId: string): Written {
    const remoteId = remoteIdForUid(event.uid);
    const existing = this.items.get(remoteId) ?? [...this.items.values()].find((s) => s.event.uid === event.uid);
    if (existing) throw new CalsyncError('PROVIDER_CONFLICT', `UID ${event.uid} already exists`, { details: { remoteId: existing.remoteId, uid: event.uid } });
    const stored = this.put(remoteId, event, hubId);
    this.countWrite(remoteId);
    return { item: toRemote(stored), writtenEtag: stored.etag };
  }

  thirdPartyCreate(event: CalendarEvent): void {
    this.put(remoteIdForUid(event.uid), event, undefined);
  }

  protected put(remoteId: string, event: CalendarEvent, hubId: string | undefined): Stored {
    const copy = structuredClone(event);
    const stored: Stored = { remoteId, etag: `"${hashValue({ event: copy, hubId: hubId ?? null }).slice(0, 16)}"`, event: copy, ...(hubId === undefined ? {} : { hubId }) };
    this.items.set(remoteId, stored);
    this.snapshot();
    return stored;
  }

  protected drop(remoteId: string): void {
    this.items.delete(remoteId);
    if (this.tombstones) this.deletedAt.set(remoteId, this.version + 1);
    this.snapshot();
  }

  private snapshot(): void {
    this.version += 1;
    this.snapshots.set(this.token(), { version: this.version, members: new Map([...this.items.values()].map((s) => [s.remoteId, s.etag])) });
  }
}
