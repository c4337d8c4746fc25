/**
 * Event factories shared by every suite. Deterministic: UIDs come from a counter (reset with
 * `resetEventIds()`), dates are fixed, so a failing test prints the same events on every run.
 * Every factory takes `overrides` last; fields given there win.
 */
import type { CalendarEvent, EventKind, EventOverride, EventTime, Unmodelled } from '../../src/model/event.js';

export const LONDON = 'Europe/London';
export const NEW_YORK = 'America/New_York';

let counter = 0;

/** A fresh deterministic UID, `<prefix>-0001@calsync.test`. */
export function nextUid(prefix = 'evt'): string {
  counter += 1;
  return `${prefix}-${String(counter).padStart(4, '0')}@calsync.test`;
}

export function resetEventIds(): void {
  counter = 0;
}

// ── time values ───────────────────────────────────────────────────────────────────────────────────────
export const date = (d: string): EventTime => ({ kind: 'date', date: d });
export const floating = (local: string): EventTime => ({ kind: 'floating', local });
export const utc = (instant: string): EventTime => ({ kind: 'utc', utc: instant });
/** A zoned time; `iana` defaults to the TZID when that is already an IANA name. */
export const zoned = (local: string, tzid: string = LONDON, iana: string | undefined = tzid.includes('/') ? tzid : undefined): EventTime =>
  iana === undefined ? { kind: 'zoned', local, tzid } : { kind: 'zoned', local, tzid, iana };

// ── events ────────────────────────────────────────────────────────────────────────────────────────────
/** A one-hour client meeting in London on 2026-06-20; override any field. */
export function makeEvent(overrides: Partial<CalendarEvent> = {}): CalendarEvent {
  return {
    uid: nextUid(),
    title: 'Planning meeting with the couple',
    description: 'Go through the run sheet.',
    location: 'The Old Barn, Kent',
    start: zoned('2026-06-20T15:00:00'),
    end: zoned('2026-06-20T16:00:00'),
    status: 'confirmed',
    organizer: { email: 'planner@weddings.test', name: 'Pat Planner' },
    attendees: [{ email: 'couple@example.test', name: 'Sam & Alex', role: 'required', status: 'needs-action', rsvp: true }],
    categories: ['Planning'],
    transparency: 'opaque',
    showAs: 'busy',
    sensitivity: 'normal',
    sequence: 0,
    overrides: [],
    wedding: { kind: 'client_meeting', kindSource: 'wedsync', weddingId: 'wed-001', weddingDate: '2026-08-15' },
    ...overrides,
  };
}

const WEDDING_TITLES: Record<EventKind, string> = {
  ceremony: 'Wedding ceremony',
  reception: 'Wedding reception',
  wedding_day_timeline: 'Hair and makeup',
  rehearsal: 'Ceremony rehearsal',
  client_meeting: 'Consultation with the couple',
  venue_visit: 'Venue visit',
  vendor_meeting: 'Florist meeting',
  tasting: 'Menu tasting',
  deadline: 'Final numbers due',
  other: 'Office admin',
};

/** An event of a wedding kind (title matching the kind, set by WedSync) on `weddingDate` 14:00 London. */
export function makeWeddingEvent(kind: EventKind, overrides: Partial<CalendarEvent> = {}, weddingDate = '2026-08-15'): CalendarEvent {
  return makeEvent({
    title: WEDDING_TITLES[kind],
    start: zoned(`${weddingDate}T14:00:00`),
    end: zoned(`${weddingDate}T15:00:00`),
    categories: ['Wedding'],
    wedding: { kind, kindSource: 'wedsync', weddingId: `wed-${weddingDate}`, weddingDate },
    ...overrides,
  });
}

/** The high-priority events of one wedding day: ceremony, reception and a timeline item. */
export function makeWeddingDay(weddingDate = '2026-08-15'): CalendarEvent[] {
  return [
    makeWeddingEvent('wedding_day_timeline', { start: zoned(`${weddingDate}T10:00:00`), end: zoned(`${weddingDate}T12:00:00`) }, weddingDate),
    makeWeddingEvent('ceremony', {}, weddingDate),
    makeWeddingEvent('reception', { start: zoned(`${weddingDate}T17:00:00`), end: zoned(`${weddingDate}T23:30:00`) }, weddingDate),
  ];
}

/** An all-day event (DATE values, exclusive end): by default a two-day venue hold. */
export function makeAllDayEvent(overrides: Partial<CalendarEvent> = {}): CalendarEvent {
  return makeEvent({
    title: 'Venue hold',
    start: date('2026-08-14'),
    end: date('2026-08-16'),
    transparency: 'transparent',
    showAs: 'free',
    attendees: [],
    wedding: { kind: 'other', kindSource: 'inferred' },
    ...overrides,
  });
}

/**
 * A weekly Tuesday call for ten weeks from 2026-06-02 18:00 London, with the third occurrence moved an
 * hour later (an override) and the fifth cancelled (an EXDATE) — the shape tools most often lose.
 */
export function makeRecurringEvent(overrides: Partial<CalendarEvent> = {}): CalendarEvent {
  const master = makeEvent({
    title: 'Weekly call with the couple',
    start: zoned('2026-06-02T18:00:00'),
    end: zoned('2026-06-02T18:30:00'),
    recurrence: { rrules: ['FREQ=WEEKLY;COUNT=10;BYDAY=TU'], rdates: [], exdates: [zoned('2026-06-30T18:00:00')] },
    ...overrides,
  });
  const moved: EventOverride = {
    recurrenceId: zoned('2026-06-16T18:00:00'),
    title: master.title,
    start: zoned('2026-06-16T19:00:00'),
    end: zoned('2026-06-16T19:30:00'),
    attendees: master.attendees,
    categories: master.categories,
    sequence: 1,
  };
  return { ...master, overrides: overrides.overrides ?? [moved] };
}

/** Unmodelled data as the iCalendar codec keeps it: an X-APPLE property, a URL-valued X- and a VALARM. */
export function sampleExtra(): Unmodelled {
  return {
    properties: [
      ['x-apple-travel-advisory-behavior', {}, 'unknown', 'AUTOMATIC'],
      ['x-wedsync-board', { 'x-source': 'board' }, 'uri', 'https://wedsync.test/boards/42'],
    ],
    components: [['valarm', [['action', {}, 'text', 'DISPLAY'], ['trigger', {}, 'duration', '-PT30M'], ['description', {}, 'text', 'Reminder']], []]],
  };
}

/** `event` with `sampleExtra()` attached. */
export function withExtra(event: CalendarEvent, extra: Unmodelled = sampleExtra()): CalendarEvent {
  return { ...event, extra };
}
