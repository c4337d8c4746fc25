/**
 * The event fields the three-way merge works on, and what "equal" means for each.
 *
 * Not merged:
 * - `uid`: identity; both sides of a link share it.
 * - `sequence`, `created`, `lastModified`: bookkeeping each side maintains for itself; a difference
 *   there is not an edit anyone made.
 * - `wedding`: owned by the hub. A calendar cannot express it, so it is derived (`classify`) when an
 *   event arrives from a calendar instead of being merged (see `merge.ts`).
 */
import type { CalendarEvent } from '../model/event.js';
import { toInstantMs } from '../model/time.js';
import { sameAttendees, sameExtra, sameJson, sameOptionalTime, sameOverrides, sameRecurrence, sameStringSet } from './equality.js';

export const MERGE_FIELDS = [
  'title',
  'description',
  'location',
  'start',
  'end',
  'status',
  'organizer',
  'attendees',
  'categories',
  'transparency',
  'showAs',
  'sensitivity',
  'recurrence',
  'overrides',
  'extra',
] as const satisfies readonly (keyof CalendarEvent)[];

export type MergeField = (typeof MERGE_FIELDS)[number];

/**
 * Date, time and place: the fields the wedding-critical guard protects. A conflict touching one of
 * these on a high-priority event is never resolved automatically unless a rule names that exact case.
 */
export const CRITICAL_FIELDS: ReadonlySet<MergeField> = new Set<MergeField>(['start', 'end', 'location', 'recurrence', 'overrides']);

export function isMergeField(name: string): name is MergeField {
  return (MERGE_FIELDS as readonly string[]).includes(name);
}

/** Whether one field has the same value in two events. */
export function sameField(field: MergeField, a: CalendarEvent, b: CalendarEvent): boolean {
  switch (field) {
    case 'start':
      return sameOptionalTime(a.start, b.start);
    case 'end':
      return sameOptionalTime(a.end, b.end);
    case 'attendees':
      return sameAttendees(a.attendees, b.attendees);
    case 'categories':
      return sameStringSet(a.categories, b.categories);
    case 'recurrence':
      return sameRecurrence(a.recurrence, b.recurrence);
    case 'overrides':
      return sameOverrides(a.overrides, b.overrides);
    case 'organizer':
      return sameJson(a.organizer && { ...a.organizer, email: a.organizer.email.toLowerCase() }, b.organizer && { ...b.organizer, email: b.organizer.email.toLowerCase() });
    case 'title':
    case 'description':
    case 'location':
    case 'status':
    case 'transparency':
    case 'showAs':
    case 'sensitivity':
      return sameJson(a[field], b[field]);
    case 'extra':
      return sameExtra(a.extra, b.extra);
  }
}

/** The merge fields whose values differ between two events. */
export function changedFields(from: CalendarEvent, to: CalendarEvent): MergeField[] {
  return MERGE_FIELDS.filter((f) => !sameField(f, from, to));
}

/** Whether two events agree on every merge field (what sync compares; bookkeeping is ignored). */
export function sameContent(a: CalendarEvent, b: CalendarEvent): boolean {
  return MERGE_FIELDS.every((f) => sameField(f, a, b));
}

/** Copies one field's value from `source` onto `target` (absent values are removed). */
export function withField(target: CalendarEvent, field: MergeField, source: CalendarEvent): CalendarEvent {
  const next: Record<string, unknown> = { ...target };
  const value = source[field];
  if (value === undefined) delete next[field];
  else next[field] = value;
  return next as unknown as CalendarEvent;
}

/**
 * First-sync matching key for events that share no UID (the same appointment typed into both systems):
 * the title, case and spacing folded, and the start instant.
 */
export function matchKey(event: Pick<CalendarEvent, 'title' | 'start'>): string {
  const start = event.start.kind === 'date' ? event.start.date : String(toInstantMs(event.start));
  return `${event.title.trim().replace(/\s+/g, ' ').toLowerCase()}|${start}`;
}
