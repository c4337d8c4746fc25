/**
 * Whether a calendar's changes reach us by push right now, and through what: a live Graph subscription
 * (Outlook) or a live WebDAV-Push registration (CalDAV). The calendars API shows it per calendar and the
 * integration health counts it; a calendar without push is polled, so this is information, not a fault.
 */
import type { SyncState } from '../store/types.js';
import { readRecord as readGraphSubscription } from './outlook/subscription-record.js';
import { readPushRecord } from './webdav-push/registration-record.js';

export interface CalendarPushStatus {
  active: boolean;
  via?: 'graph' | 'webdav-push';
  /** When the subscription / registration lapses unless renewed. */
  expiresAt?: string;
  /** Why there is none, when known (e.g. the server offers no WebDAV-Push). */
  note?: string;
}

export function calendarPushStatus(state: Pick<SyncState, 'push'>, now: number): CalendarPushStatus {
  const graph = readGraphSubscription(state);
  if (graph) return { active: Date.parse(graph.expiresAt) > now, via: 'graph', expiresAt: graph.expiresAt };
  const webdav = readPushRecord(state);
  if (webdav?.kind === 'registered') return { active: Date.parse(webdav.expiresAt) > now, via: 'webdav-push', expiresAt: webdav.expiresAt };
  return webdav ? { active: false, note: webdav.reason } : { active: false };
}
