/**
 * What the campaign knows about an event, the same shape on every side. Every value the campaign writes
 * starts with the event's key (`ev0042 title 7`), so an item is recognised on any side by any of its
 * fields, and a value tells which write it came from.
 */
export type Side = 'hub' | 'outlook' | 'caldav';
export const SIDES: readonly Side[] = ['hub', 'outlook', 'caldav'];

/** The fields the campaign edits, each owned by one side: only that side ever changes it. */
export type Field = 'title' | 'location' | 'description';
export const FIELDS: readonly Field[] = ['title', 'location', 'description'];
export const OWNER: Record<Field, Side> = { title: 'outlook', location: 'caldav', description: 'hub' };

export interface EventView {
  side: Side;
  /** Hub event id, Graph event id or CalDAV resource URL. */
  ref: string;
  title: string;
  location: string;
  description: string;
  /** Start and end instants (ms since the epoch); NaN when unreadable. */
  startMs: number;
  endMs: number;
}

export const keyOf = (n: number): string => `ev${String(n).padStart(4, '0')}`;
export const valueOf = (key: string, field: Field, version: number): string => `${key} ${field} ${version}`;

const KEY = /^(ev\d{4})\b/;

/** The event's key: from the title, else the location, else the description; undefined for a stranger. */
export function keyFromView(v: Pick<EventView, Field>): string | undefined {
  for (const field of FIELDS) {
    const m = KEY.exec(v[field].trim());
    if (m?.[1]) return m[1];
  }
  return undefined;
}

/** Whitespace-insensitive comparison form of a text value (Outlook bodies come back with line ends). */
export const norm = (s: string | undefined): string => (s ?? '').replace(/\s+/g, ' ').trim();

/** `2027-01-05T10:00:00Z` → ms. */
export const isoMs = (iso: string): number => Date.parse(iso);
