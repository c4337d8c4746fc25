/**
 * Per-event sync state (`GET /api/v1/events/{id}`): for every calendar the event belongs in, whether the
 * calendar has it in its current version, is still to get it, holds a conflict about it, or failed
 * (with the calendar's last error). Read from the store only — links (the version both sides agreed
 * on), open conflicts and each calendar's sync state — so it is as cheap as the event itself.
 */
import type { HubEvent } from '../model/event.js';
import type { CalendarRecord, Store } from '../store/types.js';
import { sameContent } from '../sync/fields.js';
import { propagationTargets } from './sync-jobs.js';

export type CalendarSyncStatus = 'synced' | 'pending' | 'conflict' | 'failed';

export interface CalendarSyncState {
  calendarId: string;
  calendarName: string;
  integrationId: string;
  status: CalendarSyncStatus;
  /** The calendar's item (when linked). */
  remoteId?: string;
  /** The open conflict (status `conflict`). */
  conflictId?: string;
  conflictFields?: string[];
  /** Why the calendar's last sync failed (status `failed`). */
  reason?: string;
  lastSyncedAt?: string;
}

export async function eventSyncState(store: Store, tenantId: string, hub: HubEvent): Promise<CalendarSyncState[]> {
  const [targets, links, conflicts, calendars] = await Promise.all([
    propagationTargets(store, tenantId, []),
    store.links.listByHubEvent(tenantId, hub.id),
    store.conflicts.list(tenantId, { status: 'open' }),
    store.calendars.list(tenantId),
  ]);
  const byId = new Map(calendars.map((c) => [c.id, c]));
  // Every calendar that takes hub changes, and every calendar that holds a copy (an import-only one too).
  const involved = new Map<string, CalendarRecord>(targets.map((c) => [c.id, c]));
  for (const link of links) {
    const calendar = byId.get(link.calendarId);
    if (calendar) involved.set(calendar.id, calendar);
  }
  const states: CalendarSyncState[] = [];
  for (const calendar of involved.values()) {
    const link = links.find((l) => l.calendarId === calendar.id);
    const conflict = conflicts.find((c) => c.calendarId === calendar.id && c.hubEventId === hub.id);
    const base = { calendarId: calendar.id, calendarName: calendar.name, integrationId: calendar.integrationId, ...(link ? { remoteId: link.remoteId, lastSyncedAt: link.lastSyncedAt } : {}) };
    if (conflict) {
      states.push({ ...base, status: 'conflict', conflictId: conflict.id, conflictFields: conflict.fields });
      continue;
    }
    // A deleted event is there "in its current version" once its copy is gone; a live one once both sides agreed on its content.
    const current = hub.deletedAt === undefined ? link !== undefined && sameContent(link.base, hub.event) : link === undefined;
    if (current) {
      states.push({ ...base, status: 'synced' });
      continue;
    }
    const sync = await store.syncState.get(tenantId, calendar.id);
    states.push(sync.lastError ? { ...base, status: 'failed', reason: sync.lastError } : { ...base, status: 'pending' });
  }
  return states.sort((a, b) => a.calendarName.localeCompare(b.calendarName) || a.calendarId.localeCompare(b.calendarId));
}
