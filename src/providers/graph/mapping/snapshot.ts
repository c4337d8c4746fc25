/**
 * Fidelity beyond what Outlook holds. With every write we store the model event itself in an extended
 * property (MODEL_PROPERTY). Reading, we compare Outlook's view of the event — the fields Outlook
 * actually keeps, normalized (instants, not zone spellings; text with whitespace collapsed) — with the
 * same view of the stored copy:
 * - equal: nobody changed the event in Outlook since our write, so the stored copy is the event, with
 *   what only Outlook knows laid over it (attendee answers, lastModified);
 * - different: Outlook's data wins, and only what Outlook cannot change is carried over from the stored
 *   copy (wedding fields, iCalendar-only properties, RSVP flags, created, sequence, organizer).
 * Either way a round trip hub → Outlook → hub returns the hub's event unchanged, which keeps the
 * engine's bases stable and stops echo loops.
 */
import type { Attendee, CalendarEvent, EventFields, EventTime } from '../../../model/event.js';
import { stableStringify } from '../../../model/hash.js';
import { classify } from '../../../model/priority.js';
import { localToMs, zoneLocalToUtcMs } from '../../../model/time.js';
import { resolveTzid } from '../../../model/timezones.js';
import { GRAPH_PROVIDER_KIND } from '../constants.js';
import { fieldsToGraph, graphRecurrenceOf } from './event-to-graph.js';
import type { ToGraphOptions } from './event-to-graph.js';
import { occurrenceKey, timeToGraph } from './time.js';

/** Larger snapshots are not stored (Exchange limits property sizes); fidelity then falls back to mapping. */
export const MAX_SNAPSHOT_CHARS = 30_000;

export function snapshotText(event: CalendarEvent): string | undefined {
  const text = JSON.stringify({ v: 1, event });
  return text.length <= MAX_SNAPSHOT_CHARS ? text : undefined;
}

export function parseSnapshot(text: string | undefined): CalendarEvent | undefined {
  if (!text) return undefined;
  try {
    const parsed = JSON.parse(text) as { v?: number; event?: CalendarEvent };
    return parsed.v === 1 && parsed.event && typeof parsed.event.uid === 'string' ? parsed.event : undefined;
  } catch {
    return undefined;
  }
}

function instantOf(t: EventTime, opts: ToGraphOptions): string {
  if (t.kind === 'date') return `D${t.date}`;
  const g = timeToGraph(t, opts.floatingZone);
  const zone = resolveTzid(g.timeZone);
  return String(zone ? zoneLocalToUtcMs(zone, localToMs(g.dateTime)) : localToMs(g.dateTime));
}

/** The fields Outlook keeps for an event or override, normalized; `inherit` supplies a master's defaults. */
function fieldView(f: EventFields, opts: ToGraphOptions, inherit?: Record<string, unknown>): Record<string, unknown> {
  const g = fieldsToGraph(f, opts);
  return {
    title: f.title,
    description: (f.description ?? '').replace(/\s+/g, ' ').trim(),
    location: f.location ?? '',
    start: instantOf(f.start, opts),
    end: f.end ? instantOf(f.end, opts) : null,
    attendees: (g.attendees ?? []).map((a) => [a.emailAddress?.address?.toLowerCase(), a.type]),
    categories: f.categories,
    showAs: g.showAs ?? inherit?.showAs ?? 'busy',
    sensitivity: g.sensitivity ?? inherit?.sensitivity ?? 'normal',
    cancelled: f.status === 'cancelled',
  };
}

/** Keys of the occurrences Outlook can hold; undefined: all of them. */
export type HeldKeys = ReadonlySet<string> | undefined;

const isHeld = (held: HeldKeys, t: EventTime): boolean => held === undefined || held.has(occurrenceKey(t));

/**
 * Outlook's view of a whole event (series with exceptions and cancellations included), as text.
 * EXDATEs and overrides on occurrences Outlook does not have (outside the listed range, or not on the
 * pattern at all) are left out: Outlook cannot hold them, so they cannot tell an edit apart.
 */
export function outlookView(event: CalendarEvent, opts: ToGraphOptions = {}, held?: HeldKeys): string {
  const master = fieldView(event, opts);
  const exdates = (event.recurrence?.exdates ?? []).filter((t) => isHeld(held, t)).map((t) => instantOf(t, opts)).sort();
  const overrides = event.overrides
    .filter((o) => isHeld(held, o.recurrenceId))
    .map((o) => ({ rid: instantOf(o.recurrenceId, opts), ...fieldView(o, opts, master) }))
    .sort((a, b) => (a.rid < b.rid ? -1 : 1));
  return stableStringify({ master, pattern: outlookPattern(event, opts), exdates, overrides });
}

/** The Outlook pattern of an event's rule (zone name aside), or why there is none. */
export function outlookPattern(event: CalendarEvent, opts: ToGraphOptions = {}): unknown {
  const recurrence = graphRecurrenceOf(event, opts);
  if (!('recurrence' in recurrence)) return recurrence.reason;
  return recurrence.recurrence && { ...recurrence.recurrence, range: { ...recurrence.recurrence.range, recurrenceTimeZone: null } };
}

/** Attendee answers only Outlook learns (an attendee replied) laid over the stored attendees. */
function withAnswers(stored: readonly Attendee[], outlook: readonly Attendee[]): Attendee[] {
  const answers = new Map(outlook.map((a) => [a.email.toLowerCase(), a.status] as const));
  return stored.map((a) => {
    const answer = answers.get(a.email.toLowerCase());
    return answer && answer !== 'needs-action' && answer !== a.status ? { ...a, status: answer } : a;
  });
}

/** Outlook's attendees, with RSVP and iCalendar-only roles carried over from the stored copy. */
function carryAttendees(stored: readonly Attendee[], outlook: readonly Attendee[]): Attendee[] {
  const byEmail = new Map(stored.map((a) => [a.email.toLowerCase(), a] as const));
  return outlook.map((a) => {
    const before = byEmail.get(a.email.toLowerCase());
    if (!before) return a;
    const merged: Attendee = { ...a };
    if (before.rsvp !== undefined) merged.rsvp = before.rsvp;
    if (before.role === 'chair' && a.role === 'required') merged.role = 'chair';
    if (before.role === 'non-participant' && a.role === 'optional') merged.role = 'non-participant';
    if (a.status === 'needs-action' && before.status !== undefined) merged.status = before.status;
    return merged;
  });
}

/**
 * The event as the hub should see it, from Outlook's mapping and our stored copy (if any).
 * @param held for a series, the occurrences Outlook can hold (see `outlookView`).
 */
export function reconcileWithSnapshot(outlook: CalendarEvent, snapshot: CalendarEvent | undefined, opts: ToGraphOptions = {}, held?: HeldKeys): CalendarEvent {
  if (!snapshot || snapshot.uid !== outlook.uid) return outlook;
  if (outlookView(snapshot, opts, held) === outlookView(outlook, opts, held)) {
    const event: CalendarEvent = { ...snapshot, attendees: withAnswers(snapshot.attendees, outlook.attendees) };
    if (outlook.lastModified) event.lastModified = outlook.lastModified;
    return event;
  }
  const event: CalendarEvent = {
    ...outlook,
    attendees: carryAttendees(snapshot.attendees, outlook.attendees),
    sequence: Math.max(snapshot.sequence, outlook.sequence),
    wedding: classify({ title: outlook.title, categories: outlook.categories, wedding: snapshot.wedding }),
  };
  if (snapshot.organizer) event.organizer = snapshot.organizer;
  // The same Outlook pattern as the stored rule: keep the hub's spelling of it (BYDAY=TU vs implicit).
  if (event.recurrence && snapshot.recurrence && stableStringify(outlookPattern(snapshot, opts)) === stableStringify(outlookPattern(event, opts))) {
    // Same pattern: also keep the EXDATEs and overrides Outlook could not hold.
    const exdates = [...event.recurrence.exdates, ...snapshot.recurrence.exdates.filter((t) => !isHeld(held, t))];
    event.recurrence = { ...event.recurrence, rrules: [...snapshot.recurrence.rrules], exdates };
    event.overrides = [...event.overrides, ...snapshot.overrides.filter((o) => !isHeld(held, o.recurrenceId))];
  }
  if (snapshot.created) event.created = snapshot.created;
  if (snapshot.status === 'tentative' && outlook.status !== 'cancelled') event.status = 'tentative';
  // iCalendar-only data survives; Outlook's own leftovers come from Outlook.
  const { provider: _stale, ...icalOnly } = snapshot.extra ?? {};
  const graphExtra = outlook.extra?.provider?.[GRAPH_PROVIDER_KIND];
  const extra = { ...icalOnly, ...(graphExtra === undefined ? {} : { provider: { [GRAPH_PROVIDER_KIND]: graphExtra } }) };
  if (Object.keys(extra).length > 0) event.extra = extra;
  else delete event.extra;
  return event;
}
