/**
 * How the conformance suite compares the event a provider stored with the event we sent. A server may
 * legitimately change exactly these, and nothing else:
 * - `lastModified` (master and overrides): servers stamp their own LAST-MODIFIED / lastModifiedDateTime;
 * - `sequence`: a server may raise SEQUENCE (scheduling servers do), never lower it;
 * - a `DTSTAMP` property in `extra.properties`: iCalendar servers add or refresh it on every write;
 * - the spelling of a zoned time's TZID, when it resolves to the same IANA zone (Graph answers with
 *   Windows names: "GMT Standard Time" for Europe/London);
 * - the order of overrides, which are keyed by RECURRENCE-ID and carry no order;
 * - the order of properties inside a component (RFC 5545 gives it no meaning; Radicale and Xandikos
 *   reorder a VALARM's ACTION/TRIGGER/DESCRIPTION when they store it).
 * Everything else — times, text, attendees, recurrence, unmodelled data, wedding fields — must survive.
 * Two suite options turn off whole areas a provider cannot carry (see `ConformanceOptions`).
 */
import { expect } from 'vitest';
import { stableStringify } from '../../src/model/hash.js';
import type { CalendarEvent, EventFields, EventTime, Unmodelled } from '../../src/model/event.js';

export interface CompareOptions {
  /** Compare `extra` (default true). */
  preservesUnmodelled?: boolean;
  /** Compare `wedding` (default true). */
  carriesWeddingFields?: boolean;
}

type Comparable = Record<string, unknown>;

function comparableTime(time: EventTime | undefined): unknown {
  if (time === undefined || time.kind !== 'zoned') return time;
  return { kind: 'zoned', local: time.local, zone: time.iana ?? time.tzid };
}

const byJson = (a: unknown, b: unknown): number => {
  const x = stableStringify(a);
  const y = stableStringify(b);
  return x < y ? -1 : x > y ? 1 : 0;
};

/** A jCal component `[name, properties, components]` with its properties (and sub-components) in a canonical order. */
function canonicalComponent(component: unknown): unknown {
  if (!Array.isArray(component) || component.length < 3) return component;
  const [name, properties, components] = component as [unknown, unknown, unknown];
  return [name, Array.isArray(properties) ? [...properties].sort(byJson) : properties, Array.isArray(components) ? components.map(canonicalComponent).sort(byJson) : components];
}

function withoutDtstamp(extra: Unmodelled | undefined): Unmodelled | undefined {
  if (extra === undefined) return undefined;
  const properties = (extra.properties ?? []).filter((p) => !(Array.isArray(p) && String(p[0]).toLowerCase() === 'dtstamp')).sort(byJson);
  const rest: Unmodelled = { ...extra, ...(extra.components ? { components: extra.components.map(canonicalComponent).sort(byJson) } : {}) };
  delete rest.properties;
  if (properties.length > 0) rest.properties = properties;
  for (const key of ['components', 'params', 'provider'] as const) {
    const value = rest[key];
    if (value !== undefined && Object.keys(value).length === 0) delete rest[key];
  }
  return Object.keys(rest).length === 0 ? undefined : rest;
}

function comparableFields(fields: EventFields, options: CompareOptions): Comparable {
  const { lastModified: _lastModified, sequence: _sequence, extra, start, end, ...rest } = fields;
  const out: Comparable = { ...rest, start: comparableTime(start), end: comparableTime(end) };
  if (options.preservesUnmodelled !== false) out.extra = withoutDtstamp(extra);
  return out;
}

/** The event with the tolerated differences removed; equal values compare equal with `toEqual`. */
export function comparableEvent(event: CalendarEvent, options: CompareOptions = {}): Comparable {
  const { overrides, recurrence, wedding, ...master } = event;
  const out = comparableFields({ ...master }, options);
  out.uid = event.uid;
  if (recurrence !== undefined) {
    out.recurrence = { ...recurrence, rdates: recurrence.rdates.map(comparableTime), exdates: recurrence.exdates.map(comparableTime) };
  }
  out.overrides = overrides
    .map((o) => ({ ...comparableFields(o, options), recurrenceId: comparableTime(o.recurrenceId) }))
    .sort((a, b) => (stableStringify(a.recurrenceId) < stableStringify(b.recurrenceId) ? -1 : 1));
  if (options.carriesWeddingFields !== false) out.wedding = wedding;
  return out;
}

/** Asserts `stored` is `sent` up to the tolerated server rewrites, SEQUENCE included. */
export function expectStoredAs(stored: CalendarEvent, sent: CalendarEvent, options: CompareOptions = {}): void {
  expect(comparableEvent(stored, options)).toEqual(comparableEvent(sent, options));
  expect(stored.sequence).toBeGreaterThanOrEqual(sent.sequence);
  const sentOverrides = new Map(sent.overrides.map((o) => [stableStringify(comparableTime(o.recurrenceId)), o.sequence]));
  for (const o of stored.overrides) {
    expect(o.sequence).toBeGreaterThanOrEqual(sentOverrides.get(stableStringify(comparableTime(o.recurrenceId))) ?? 0);
  }
}
