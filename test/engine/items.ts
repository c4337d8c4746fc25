/** Plain hub events, calendar items and links for planner tests (no store, no provider). */
import type { CalendarEvent, HubEvent } from '../../src/model/event.js';
import type { RemoteItem } from '../../src/providers/types.js';
import type { ConflictRecord, Link } from '../../src/store/types.js';
import type { PlanContext } from '../../src/sync/plan.js';

export const T0 = '2026-06-01T12:00:00.000Z';

export function hubOf(event: CalendarEvent, patch: Partial<HubEvent> = {}): HubEvent {
  return { id: 'h1', tenantId: 't1', event, version: 3, seq: 10, createdAt: T0, updatedAt: T0, ...patch };
}

export function tombstoneOf(event: CalendarEvent): HubEvent {
  return hubOf(event, { deletedAt: T0 });
}

export function remoteOf(event: CalendarEvent, etag = '"e1"', patch: Partial<RemoteItem> = {}): RemoteItem {
  return { remoteId: 'r1.ics', etag, event, ...patch };
}

export function linkOf(base: CalendarEvent, etag = '"e1"'): Link {
  return { id: 'l1', tenantId: 't1', hubEventId: 'h1', calendarId: 'c1', remoteId: 'r1.ics', etag, base, baseHash: 'x', lastSyncedAt: T0 };
}

export function conflictOf(patch: Partial<ConflictRecord>): ConflictRecord {
  return { id: 'k1', tenantId: 't1', calendarId: 'c1', hubEventId: 'h1', type: 'field', fields: ['title'], status: 'open', createdAt: T0, ...patch };
}

export const twoWay: PlanContext = { calendarId: 'c1', direction: 'two_way', rules: {} };
