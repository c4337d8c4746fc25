/**
 * The one normalized event type. It holds everything Outlook and iCalendar events carry, plus the
 * wedding fields. Anything the model does not represent travels in `extra`, so a round trip through
 * calsync never loses data.
 *
 * All values are plain JSON (no Date objects, no class instances): events are stored as JSON, hashed,
 * diffed field by field and sent over the wire unchanged.
 */

/**
 * A start/end/recurrence-id value in one of iCalendar's forms.
 * - `date`: an all-day date (`YYYY-MM-DD`); as an end it is exclusive.
 * - `floating`: wall-clock time with no zone (`YYYY-MM-DDTHH:mm:ss`), the same in every zone.
 * - `utc`: an instant (`YYYY-MM-DDTHH:mm:ssZ`).
 * - `zoned`: wall-clock time in a zone. `tzid` is the zone exactly as the source named it (an IANA
 *   name, a Windows name, a libical-style path, anything with a VTIMEZONE); `iana` is the IANA zone it
 *   resolves to, when one is known. Two zoned times are the same when their instants are equal.
 */
export type EventTime =
  | { kind: 'date'; date: string }
  | { kind: 'floating'; local: string }
  | { kind: 'utc'; utc: string }
  | { kind: 'zoned'; local: string; tzid: string; iana?: string };

export type EventStatus = 'confirmed' | 'tentative' | 'cancelled';
export type Transparency = 'opaque' | 'transparent';
/** Outlook's showAs; iCalendar carries it as TRANSP plus X-MICROSOFT-CDO-BUSYSTATUS. */
export type ShowAs = 'free' | 'tentative' | 'busy' | 'oof' | 'workingElsewhere' | 'unknown';
export type Sensitivity = 'normal' | 'personal' | 'private' | 'confidential';

export type ParticipationStatus = 'needs-action' | 'accepted' | 'declined' | 'tentative' | 'delegated';
export type AttendeeRole = 'required' | 'optional' | 'chair' | 'non-participant' | 'resource';

export interface Person {
  /** Email address without `mailto:`; lower-cased for comparison by the helpers in `compare.ts`. */
  email: string;
  name?: string;
}

export interface Attendee extends Person {
  role?: AttendeeRole;
  status?: ParticipationStatus;
  rsvp?: boolean;
}

/** Wedding-business classification (product.md, "Wedding workflow"). */
export type EventKind =
  | 'ceremony'
  | 'reception'
  | 'wedding_day_timeline'
  | 'rehearsal'
  | 'client_meeting'
  | 'venue_visit'
  | 'vendor_meeting'
  | 'tasting'
  | 'deadline'
  | 'other';

export type Priority = 'high' | 'medium' | 'low';

export interface WeddingFields {
  kind: EventKind;
  /** `wedsync` when WedSync (or a user) set the kind; `inferred` when rules derived it. */
  kindSource: 'wedsync' | 'inferred';
  weddingId?: string;
  /** The wedding day (`YYYY-MM-DD`); changes within 48 h of it are emergencies. */
  weddingDate?: string;
  /** Flagged by WedSync as an emergency change: its jobs jump the queue. */
  emergency?: boolean;
}

/**
 * What the model does not represent, kept verbatim in jCal form (RFC 7265 arrays as ical.js produces
 * them) so the codec can write it back: unknown properties (X-APPLE-*, X-MICROSOFT-*, ATTACH, …) and
 * sub-components (VALARM, …) of the VEVENT, and unknown parameters of modelled properties.
 * Providers other than iCalendar may keep their own unmodelled fields under `provider`.
 */
export interface Unmodelled {
  /** jCal properties: `[name, params, type, ...values]`. */
  properties?: unknown[];
  /** jCal components: `[name, properties, components]`. */
  components?: unknown[];
  /** Unknown parameters of modelled properties, by lower-case property name. */
  params?: Record<string, Record<string, unknown>>;
  /** Provider-specific leftovers (e.g. Graph fields with no iCalendar equivalent), by provider. */
  provider?: Record<string, unknown>;
}

/** The fields an occurrence override may change (everything but identity and recurrence). */
export interface EventFields {
  title: string;
  description?: string;
  location?: string;
  start: EventTime;
  /** Exclusive end. Absent: a `date` start lasts one day, a timed start has zero duration. */
  end?: EventTime;
  status?: EventStatus;
  organizer?: Person;
  attendees: Attendee[];
  categories: string[];
  transparency?: Transparency;
  showAs?: ShowAs;
  sensitivity?: Sensitivity;
  /** RFC 5545 SEQUENCE. */
  sequence: number;
  /** ISO instants (UTC) as the source reported them. */
  created?: string;
  lastModified?: string;
  extra?: Unmodelled;
}

/** One changed occurrence of a recurring event (a VEVENT with RECURRENCE-ID / a Graph exception). */
export interface EventOverride extends EventFields {
  /** The occurrence's original start, in the master's DTSTART form and zone. */
  recurrenceId: EventTime;
}

export interface Recurrence {
  /** RRULE values as RFC 5545 text without the `RRULE:` prefix (more than one is legal, rarely used). */
  rrules: string[];
  rdates: EventTime[];
  /** Cancelled occurrences (EXDATE; Outlook's cancelled occurrences map here). */
  exdates: EventTime[];
  /** Set when a connected calendar cannot express this rule; the hub keeps the rule intact. */
  unsupportedBy?: string[];
}

export interface CalendarEvent extends EventFields {
  /** iCalendar UID (Graph iCalUId). Stable across systems. */
  uid: string;
  recurrence?: Recurrence;
  /** Overrides keyed by RECURRENCE-ID, kept with the master in one resource. */
  overrides: EventOverride[];
  wedding: WeddingFields;
}

/** A hub event: the WedSync copy, with the store's identity and bookkeeping. */
export interface HubEvent {
  id: string;
  tenantId: string;
  event: CalendarEvent;
  /** Increments on every change; optimistic concurrency for writers. */
  version: number;
  /** Tenant-wide monotonic change sequence; engines read "changed since N" by it. */
  seq: number;
  /** Set when the event is deleted (a tombstone is kept so deletions propagate and can be restored). */
  deletedAt?: string;
  createdAt: string;
  updatedAt: string;
}
