/** The emulator's stored state: mailboxes own calendars, calendars own events. */
import type { PatternedRecurrence } from './recurrence.js';

/**
 * Event properties a client may write and an exception may override, kept as Graph JSON.
 * `start`/`end` are kept apart as instants because every view needs to compare them.
 */
export type EventProps = Record<string, unknown>;

export interface EventTimes {
  startMs: number;
  endMs: number;
  /** The zones the client wrote, reported as originalStartTimeZone / originalEndTimeZone. */
  startZone: string;
  endZone: string;
  isAllDay: boolean;
}

/** An edited occurrence of a series (type "exception"). */
export interface ExceptionRecord {
  props: EventProps;
  times: EventTimes;
  changeKey: string;
  lastModifiedMs: number;
}

export interface StoredEvent {
  id: string;
  iCalUId: string;
  calendarId: string;
  createdMs: number;
  lastModifiedMs: number;
  changeKey: string;
  times: EventTimes;
  props: EventProps;
  recurrence: PatternedRecurrence | null;
  transactionId: string | null;
  /** Single-value extended properties by id (case-insensitive key: lower-cased id). */
  extended: Map<string, { id: string; value: string }>;
  /** Edited occurrences by original start instant. */
  exceptions: Map<number, ExceptionRecord>;
  /** Deleted occurrences by original start instant. */
  deletedOccurrences: Set<number>;
}

export interface Calendar {
  id: string;
  name: string;
  color: string;
  hexColor: string;
  changeKey: string;
  isDefaultCalendar: boolean;
}

export interface Mailbox {
  id: string;
  userPrincipalName: string;
  displayName: string;
  calendars: Map<string, Calendar>;
  /** Events by immutable id (the id that survives moves between calendars). */
  events: Map<string, StoredEvent>;
  /**
   * The regular id of each event (immutable id → regular id), kept after deletion. A regular id names
   * the event in its folder: moving the event to another calendar gives it a new one, and the old one
   * is then unknown (outlook-immutable-id.md). Clients get regular ids unless they send
   * `Prefer: IdType="ImmutableId"`.
   */
  regularIds: Map<string, string>;
  /** Regular id → immutable id, for the events that hold it now. */
  byRegularId: Map<string, string>;
  defaultCalendarId: string;
}

/** One expanded item of a view: a single instance, an occurrence or an exception. */
export interface Instance {
  id: string;
  type: 'singleInstance' | 'occurrence' | 'exception' | 'seriesMaster';
  event: StoredEvent;
  times: EventTimes;
  props: EventProps;
  changeKey: string;
  lastModifiedMs: number;
  /** Set for occurrences and exceptions. */
  originalStartMs: number | null;
}

/** What changed, for notifications. `resourceId` is the id a notification names. */
export interface StoreChange {
  mailbox: Mailbox;
  calendarId: string;
  resourceId: string;
  changeType: 'created' | 'updated' | 'deleted';
  changeKey: string;
  /** The change is to a series master (delta never reports masters). */
  series: boolean;
}
