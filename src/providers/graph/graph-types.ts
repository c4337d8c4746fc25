/**
 * The subset of Microsoft Graph's JSON (v1.0 `event`, `calendar`, paging and error envelopes) the
 * connector reads and writes, typed after `@microsoft/microsoft-graph-types` and
 * `api-reference/v1.0/resources/event.md`. Fields are optional where Graph may omit them (delta pages
 * carry fewer fields than a GET), so every reader copes with absence.
 */

export interface GraphDateTimeTimeZone {
  /** Wall-clock time without offset, e.g. `2026-06-20T15:00:00.0000000`. */
  dateTime: string;
  /** A Windows zone name ("Pacific Standard Time"), `UTC`, or an IANA name Graph accepted on write. */
  timeZone: string;
}

export interface GraphEmailAddress {
  address?: string | null;
  name?: string | null;
}

export type GraphResponse = 'none' | 'organizer' | 'tentativelyAccepted' | 'accepted' | 'declined' | 'notResponded';

export interface GraphAttendee {
  type?: 'required' | 'optional' | 'resource' | null;
  status?: { response?: GraphResponse | null; time?: string | null } | null;
  emailAddress?: GraphEmailAddress | null;
}

export type GraphDayOfWeek = 'sunday' | 'monday' | 'tuesday' | 'wednesday' | 'thursday' | 'friday' | 'saturday';
export type GraphWeekIndex = 'first' | 'second' | 'third' | 'fourth' | 'last';
export type GraphPatternType = 'daily' | 'weekly' | 'absoluteMonthly' | 'relativeMonthly' | 'absoluteYearly' | 'relativeYearly';

export interface GraphRecurrencePattern {
  type: GraphPatternType;
  interval: number;
  month?: number;
  dayOfMonth?: number;
  daysOfWeek?: GraphDayOfWeek[];
  firstDayOfWeek?: GraphDayOfWeek;
  index?: GraphWeekIndex;
}

export interface GraphRecurrenceRange {
  type: 'endDate' | 'noEnd' | 'numbered';
  /** `YYYY-MM-DD`: the first occurrence's date. */
  startDate: string;
  /** `YYYY-MM-DD`, inclusive; `0001-01-01` when unused. */
  endDate?: string | null;
  numberOfOccurrences?: number;
  recurrenceTimeZone?: string | null;
}

export interface GraphPatternedRecurrence {
  pattern: GraphRecurrencePattern;
  range: GraphRecurrenceRange;
}

export interface GraphLocation {
  displayName?: string | null;
  locationType?: string | null;
  [key: string]: unknown;
}

export interface GraphExtendedProperty {
  id: string;
  value: string;
}

export type GraphEventType = 'singleInstance' | 'occurrence' | 'exception' | 'seriesMaster';
export type GraphShowAs = 'free' | 'tentative' | 'busy' | 'oof' | 'workingElsewhere' | 'unknown';
export type GraphSensitivity = 'normal' | 'personal' | 'private' | 'confidential';

export interface GraphEvent {
  id: string;
  '@odata.etag'?: string;
  '@removed'?: { reason?: string };
  iCalUId?: string | null;
  changeKey?: string | null;
  createdDateTime?: string | null;
  lastModifiedDateTime?: string | null;
  subject?: string | null;
  body?: { contentType?: 'text' | 'html' | null; content?: string | null } | null;
  start?: GraphDateTimeTimeZone | null;
  end?: GraphDateTimeTimeZone | null;
  originalStartTimeZone?: string | null;
  originalEndTimeZone?: string | null;
  isAllDay?: boolean | null;
  location?: GraphLocation | null;
  locations?: GraphLocation[] | null;
  attendees?: GraphAttendee[] | null;
  organizer?: { emailAddress?: GraphEmailAddress | null } | null;
  recurrence?: GraphPatternedRecurrence | null;
  type?: GraphEventType | null;
  seriesMasterId?: string | null;
  /** UTC instant (Edm.DateTimeOffset) of an occurrence's or exception's original start. */
  originalStart?: string | null;
  isCancelled?: boolean | null;
  categories?: string[] | null;
  sensitivity?: GraphSensitivity | null;
  showAs?: GraphShowAs | null;
  importance?: 'low' | 'normal' | 'high' | null;
  isReminderOn?: boolean | null;
  reminderMinutesBeforeStart?: number | null;
  responseRequested?: boolean | null;
  transactionId?: string | null;
  singleValueExtendedProperties?: GraphExtendedProperty[] | null;
}

export interface GraphCalendar {
  id: string;
  name?: string | null;
  color?: string | null;
  hexColor?: string | null;
  canEdit?: boolean | null;
}

/** One page of a collection or delta response. */
export interface GraphPage<T> {
  value: T[];
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
}

export interface GraphErrorBody {
  error?: {
    code?: string;
    message?: string;
    innerError?: { 'request-id'?: string; date?: string; 'client-request-id'?: string; code?: string };
  };
}
