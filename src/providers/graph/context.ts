/** What the provider's read and write halves share: the client, the sync window and mapping options. */
import type { CalsyncError } from '../../errors.js';
import type { GraphClient } from './client.js';
import { EXPAND_OUR_PROPERTIES } from './constants.js';
import { errorFromResponse } from './http/graph-errors.js';
import type { BatchItemResult } from './http/batch.js';

export interface SyncWindow {
  fromMs: number;
  toMs: number;
}

export interface ProviderContext {
  client: GraphClient;
  /** The delta window, computed from the clock at each first/full listing. */
  window(): SyncWindow;
  /** IANA zone for floating times (Graph has none). */
  floatingZone: string;
}

const enc = encodeURIComponent;

export const calendarPath = (calendarId: string): string => `/me/calendars/${enc(calendarId)}`;
export const calendarEventsPath = (calendarId: string): string => `${calendarPath(calendarId)}/events`;
/** Reads go through the calendar, so an id from another calendar is not found. */
export const calendarEventPath = (calendarId: string, id: string): string => `${calendarEventsPath(calendarId)}/${enc(id)}`;
/** Writes and instance listings use `/me/events/{id}` (event-update.md, event-list-instances.md). */
export const eventPath = (id: string): string => `/me/events/${enc(id)}`;

/** The query that returns our extended properties with an event. */
export const EXPAND_QUERY: Readonly<Record<string, string>> = { $expand: EXPAND_OUR_PROPERTIES };
export const EXPAND_QUERY_STRING = `$expand=${enc(EXPAND_OUR_PROPERTIES)}`;

/** Graph's `startDateTime`/`endDateTime` form. */
export const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export const isSuccess = (status: number): boolean => status >= 200 && status < 300;

/** A failed inner `$batch` response as the error the same request would have raised on its own. */
export function batchError(result: BatchItemResult, method: string, url: string): CalsyncError {
  const retryAfter = Object.entries(result.headers).find(([k]) => k.toLowerCase() === 'retry-after')?.[1];
  const retryAfterS = retryAfter !== undefined && /^\d+$/.test(retryAfter) ? Number(retryAfter) : undefined;
  return errorFromResponse(result.status, result.body, { method, url, ...(retryAfterS === undefined ? {} : { retryAfterS }) });
}
