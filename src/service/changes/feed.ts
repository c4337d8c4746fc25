/**
 * The host-app change feed: hub changes strictly in commit order (the tenant's seq), from a cursor.
 * A cursor either continues exactly — every change after it, none twice — or is refused with
 * `CHANGES_CURSOR_EXPIRED` (410): when the history after it was pruned, or when it is ahead of the
 * tenant (a cursor from a database since restored from a backup). The way back is documented in the
 * error: list `/events` (its first page carries a fresh `cursor`) and follow the feed from there.
 */
import { CalsyncError } from '../../errors.js';
import type { CalendarEvent } from '../../model/event.js';
import type { ChangeEntry, Store } from '../../store/types.js';
import { sourceCalendarOf } from '../outbox/fan-out.js';
import type { ChangeSignal } from './change-signal.js';
import { decodeCursor, encodeCursor } from './cursor.js';

export type ChangeType = 'event.created' | 'event.updated' | 'event.deleted' | 'event.restored';

const TYPES: Record<ChangeEntry['action'], ChangeType> = { create: 'event.created', update: 'event.updated', delete: 'event.deleted', restore: 'event.restored' };

/** Where a change came from: a connected calendar, or calsync's own API, CLI, a restore or a conflict resolution. */
export type ChangeOrigin = { kind: 'calendar'; calendarId: string } | { kind: 'api' | 'cli' | 'wedsync' | 'restore' | 'conflict' };

export interface Change {
  /** The cursor just after this change: a client that stops here continues with it. */
  cursor: string;
  seq: number;
  type: ChangeType;
  eventId: string;
  /** WedSync's own id of the event, when it has one. */
  externalId?: string;
  /** The event's version after the change. */
  version: number;
  source: ChangeOrigin;
  /** The history entry (`/events/{id}/history`, restore with `auditId`). */
  auditId: string;
  at: string;
  /** The event after the change (for a deletion: its content when deleted). */
  event: CalendarEvent;
}

export interface ChangePage {
  changes: Change[];
  /** Continue from here (the last change's, or the one given when there was none). */
  cursor: string;
  /** More changes are waiting: ask again at once. */
  hasMore: boolean;
}

export const START_OVER = 'start over: list GET /api/v1/events (its first page carries a fresh `cursor`), then follow /api/v1/changes from that cursor';

export function originOf(source: string): ChangeOrigin {
  const calendarId = sourceCalendarOf(source);
  if (calendarId !== undefined) return { kind: 'calendar', calendarId };
  return { kind: (['api', 'cli', 'wedsync', 'restore', 'conflict'].includes(source) ? source : 'wedsync') as 'api' };
}

/** The cursor of "now": every change committed so far is before it. */
export async function currentCursor(store: Store, tenantId: string): Promise<string> {
  return encodeCursor((await store.changes.position(tenantId)).seq);
}

export interface ReadChangesInput {
  /** Absent: from the start of the tenant's history. */
  cursor?: string;
  limit: number;
  /** Long poll: when nothing is there yet, wait up to this long for a change to commit. */
  waitMs?: number;
  signal?: AbortSignal;
}

export async function readChanges(deps: { store: Store; signal?: ChangeSignal }, tenantId: string, input: ReadChangesInput): Promise<ChangePage> {
  const { store } = deps;
  const after = input.cursor === undefined ? 0 : decodeCursor(input.cursor);
  const position = await store.changes.position(tenantId);
  if (after < position.floor) {
    throw new CalsyncError('CHANGES_CURSOR_EXPIRED', `the history after this cursor was pruned (kept from seq ${position.floor}); ${START_OVER}`, { details: { floor: position.floor } });
  }
  if (after > position.seq) throw new CalsyncError('CHANGES_CURSOR_EXPIRED', `this cursor is ahead of the hub's history (restored from a backup?); ${START_OVER}`);
  let entries = await store.changes.read(tenantId, after, input.limit + 1);
  if (entries.length === 0 && input.waitMs && input.waitMs > 0 && deps.signal) {
    await deps.signal.wait(tenantId, after, input.waitMs, input.signal);
    entries = await store.changes.read(tenantId, after, input.limit + 1);
  }
  const page = entries.slice(0, input.limit);
  const external = await store.externalIds.of(tenantId, page.map((e) => e.hubEventId));
  const changes = page.map((e): Change => {
    const externalId = external.get(e.hubEventId);
    return {
      cursor: encodeCursor(e.seq),
      seq: e.seq,
      type: TYPES[e.action],
      eventId: e.hubEventId,
      ...(externalId === undefined ? {} : { externalId }),
      version: e.version,
      source: originOf(e.source),
      auditId: e.auditId,
      at: e.at,
      event: e.event,
    };
  });
  return { changes, cursor: changes.at(-1)?.cursor ?? encodeCursor(after), hasMore: entries.length > input.limit };
}
