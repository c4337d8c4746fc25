/**
 * Deterministic wedding-business calendar data for the CalDAV benchmark: a fixed-seed PRNG picks, per
 * event, one of the shapes a wedding planner's calendar really holds — zoned client meetings with
 * attendees, wedding-day timeline items, all-day venue holds and deadlines, and weekly calls that recur
 * with one moved occurrence (an override) and one cancelled (an EXDATE). The same seed gives the same
 * events, byte for byte (DTSTAMP comes from a fixed clock), on every run.
 */
import { serializeIcal } from '../../src/ical/index.js';
import type { CalendarEvent, EventKind, EventTime } from '../../src/model/event.js';
import type { Clock } from '../../src/util/clock.js';

export const BENCH_SEED = 20_261_120;

/** DTSTAMP for everything the benchmark writes: fixed, so uploads are reproducible. */
export const FIXED_CLOCK: Clock = { now: () => Date.UTC(2026, 0, 15, 9, 0, 0) };

/** mulberry32: small, fast, good enough for picking shapes; the same seed gives the same sequence. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const ZONES = ['Europe/London', 'Europe/London', 'Europe/London', 'Europe/Paris', 'America/New_York'] as const;
const VENUES = ['The Old Barn, Kent', 'Hever Castle, Edenbridge', 'Babington House, Somerset', 'Château de Varennes', 'The Plaza, New York', 'St Mary’s Church, Rye'];
const FIRST = ['Sam', 'Alex', 'Jo', 'Priya', 'Tom', 'Chloé', 'Marta', 'Ben', 'Aisha', 'Liam', 'Zoë', 'Owen'];
const MEETINGS: [EventKind, string][] = [
  ['client_meeting', 'Consultation'],
  ['venue_visit', 'Venue visit'],
  ['vendor_meeting', 'Florist meeting'],
  ['tasting', 'Menu tasting'],
  ['rehearsal', 'Ceremony rehearsal'],
];
const DAY_ITEMS: [EventKind, string, number, number][] = [
  ['wedding_day_timeline', 'Hair and makeup', 9, 11],
  ['ceremony', 'Wedding ceremony', 14, 15],
  ['reception', 'Wedding reception', 17, 23],
];

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)] as T;
}

/** A date between 2025-01-01 and 2027-12-31 (days are 1–28, so every month has them). */
function someDate(rand: () => number): string {
  return `${2025 + Math.floor(rand() * 3)}-${pad(1 + Math.floor(rand() * 12))}-${pad(1 + Math.floor(rand() * 28))}`;
}

function zonedAt(day: string, hour: number, minute: number, tz: string): EventTime {
  return { kind: 'zoned', local: `${day}T${pad(hour)}:${pad(minute)}:00`, tzid: tz, iana: tz };
}

function addDays(day: string, days: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Event number `i` of the data set (a pure function of the seed and `i`). */
export function benchEvent(i: number, seed = BENCH_SEED): CalendarEvent {
  const rand = prng(seed ^ Math.imul(i + 1, 0x9e3779b1));
  const couple = `${pick(rand, FIRST)} & ${pick(rand, FIRST)}`;
  const weddingDate = someDate(rand);
  const weddingId = `wed-${pad(Math.floor(rand() * 2000), 4)}`;
  const tz = pick(rand, ZONES);
  const uid = `bench-${pad(i, 6)}-${Math.floor(rand() * 0xffffff).toString(16)}@calsync.bench`;
  const base = {
    uid,
    organizer: { email: 'planner@weddings.test', name: 'Pat Planner' },
    status: 'confirmed' as const,
    sensitivity: 'normal' as const,
    sequence: 0,
    overrides: [],
  };
  const shape = rand();
  if (shape < 0.1) {
    // A weekly call for ten weeks, the third occurrence moved an hour later, the fifth cancelled.
    const day = someDate(rand);
    const hour = 17 + Math.floor(rand() * 3);
    const start = zonedAt(day, hour, 0, tz);
    return {
      ...base,
      title: `Weekly call with ${couple}`,
      description: 'Progress on suppliers, budget and the run sheet.',
      start,
      end: zonedAt(day, hour, 30, tz),
      attendees: [{ email: `couple${i}@example.test`, name: couple, role: 'required', status: 'accepted' }],
      categories: ['Calls'],
      transparency: 'opaque',
      showAs: 'busy',
      recurrence: { rrules: ['FREQ=WEEKLY;COUNT=10'], rdates: [], exdates: [zonedAt(addDays(day, 28), hour, 0, tz)] },
      overrides: [
        {
          recurrenceId: zonedAt(addDays(day, 14), hour, 0, tz),
          title: `Weekly call with ${couple} (moved)`,
          start: zonedAt(addDays(day, 14), hour + 1, 0, tz),
          end: zonedAt(addDays(day, 14), hour + 1, 30, tz),
          attendees: [{ email: `couple${i}@example.test`, name: couple, role: 'required', status: 'accepted' }],
          categories: ['Calls'],
          sequence: 1,
        },
      ],
      wedding: { kind: 'client_meeting', kindSource: 'wedsync', weddingId, weddingDate },
    };
  }
  if (shape < 0.25) {
    // All-day: a two-day venue hold or a one-day deadline (DATE values, exclusive end).
    const hold = rand() < 0.5;
    return {
      ...base,
      title: hold ? `Venue hold: ${couple}` : `Final numbers due: ${couple}`,
      start: { kind: 'date', date: hold ? addDays(weddingDate, -1) : addDays(weddingDate, -14) },
      end: { kind: 'date', date: hold ? addDays(weddingDate, 1) : addDays(weddingDate, -13) },
      attendees: [],
      categories: [hold ? 'Holds' : 'Deadlines'],
      transparency: 'transparent',
      showAs: 'free',
      wedding: { kind: hold ? 'other' : 'deadline', kindSource: 'wedsync', weddingId, weddingDate },
    };
  }
  if (shape < 0.45) {
    const [kind, title, from, to] = pick(rand, DAY_ITEMS);
    return {
      ...base,
      title: `${title}: ${couple}`,
      description: `Run sheet for ${couple}.\nPhotographer arrives 30 min before; confetti after the signing.`,
      location: pick(rand, VENUES),
      start: zonedAt(weddingDate, from, 0, tz),
      end: zonedAt(weddingDate, to, 30, tz),
      attendees: [
        { email: `couple${i}@example.test`, name: couple, role: 'required', status: 'accepted' },
        { email: 'photo@suppliers.test', name: 'Studio Lumen', role: 'optional', status: 'tentative' },
      ],
      categories: ['Wedding'],
      transparency: 'opaque',
      showAs: 'busy',
      wedding: { kind, kindSource: 'wedsync', weddingId, weddingDate },
    };
  }
  const [kind, title] = pick(rand, MEETINGS);
  const day = someDate(rand);
  const hour = 9 + Math.floor(rand() * 9);
  return {
    ...base,
    title: `${title} with ${couple}`,
    description: 'Bring the mood board and the budget sheet.',
    location: pick(rand, VENUES),
    start: zonedAt(day, hour, rand() < 0.5 ? 0 : 30, tz),
    end: zonedAt(day, hour + 1, rand() < 0.5 ? 0 : 30, tz),
    attendees: [{ email: `couple${i}@example.test`, name: couple, role: 'required', status: 'needs-action', rsvp: true }],
    categories: ['Meetings'],
    transparency: 'opaque',
    showAs: 'busy',
    wedding: { kind, kindSource: 'wedsync', weddingId, weddingDate },
  };
}

export function benchEvents(count: number, seed = BENCH_SEED): CalendarEvent[] {
  return Array.from({ length: count }, (_, i) => benchEvent(i, seed));
}

/** The marker an edit of `round` puts in the title, to check that each tool picked the edit up. */
export const editMarker = (round: number): string => `[edit ${round}]`;

/** `count` distinct event numbers for edit round `round` (deterministic). */
export function editIndices(round: number, count: number, total: number, seed = BENCH_SEED): number[] {
  const rand = prng(seed + 7919 * (round + 1));
  const chosen = new Set<number>();
  while (chosen.size < Math.min(count, total)) chosen.add(Math.floor(rand() * total));
  return [...chosen];
}

/** What "another client" does to an event in edit round `round`: retitle, move the venue, bump SEQUENCE. */
export function editedEvent(event: CalendarEvent, round: number): CalendarEvent {
  return { ...event, title: `${event.title} ${editMarker(round)}`, location: `Moved venue (round ${round})`, sequence: event.sequence + 1 + round };
}

export function resourceIcal(event: CalendarEvent): string {
  return serializeIcal([event], { clock: FIXED_CLOCK });
}
