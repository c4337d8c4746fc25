/** The shapes the calsync API answers with (see `/docs` for every field). */

export interface EventInput {
  title: string;
  /** `YYYY-MM-DD` (all-day), `YYYY-MM-DDTHH:mm[:ss]` (local, with timeZone) or a UTC instant `…Z`. */
  start: string;
  end?: string;
  timeZone?: string;
  description?: string;
  location?: string;
  kind?: string;
  weddingId?: string;
  weddingDate?: string;
  emergency?: boolean;
  categories?: string[];
  /** WedSync's own id (unique per tenant): creating with a known one updates that event. */
  externalId?: string;
}

export type EventPatch = Partial<EventInput>;

export interface HubEventJson {
  id: string;
  externalId?: string;
  version: number;
  seq: number;
  priority?: 'high' | 'medium' | 'low';
  deletedAt?: string;
  createdAt: string;
  updatedAt: string;
  event: { title: string; location?: string; [field: string]: unknown };
}

export interface CalendarSyncState {
  calendarId: string;
  calendarName: string;
  integrationId: string;
  status: 'synced' | 'pending' | 'conflict' | 'failed';
  remoteId?: string;
  conflictId?: string;
  conflictFields?: string[];
  reason?: string;
  lastSyncedAt?: string;
}

export interface EventWithSync extends HubEventJson {
  sync: CalendarSyncState[];
}

export interface EventList {
  items: HubEventJson[];
  next?: string;
  /** First page only: the change-feed cursor taken before the listing. */
  cursor?: string;
}

export interface Change {
  cursor: string;
  seq: number;
  type: 'event.created' | 'event.updated' | 'event.deleted' | 'event.restored';
  eventId: string;
  externalId?: string;
  version: number;
  source: { kind: 'calendar' | 'api' | 'cli' | 'wedsync' | 'restore' | 'conflict'; calendarId?: string };
  auditId: string;
  at: string;
  event: HubEventJson['event'];
}

export interface ChangePage {
  changes: Change[];
  cursor: string;
  hasMore: boolean;
}
