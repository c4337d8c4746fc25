/**
 * Equality of field values as sync sees it: JSON values with absent members ignored, times as instants,
 * lists that are sets (attendees, categories, EXDATEs, overrides) regardless of order, and server
 * stamps ignored. A difference here is an edit someone made; anything else is noise.
 */
import type { Attendee, EventOverride, EventTime, Recurrence, Unmodelled } from '../model/event.js';
import { stableStringify } from '../model/hash.js';
import { sameTime } from '../model/time.js';

/**
 * Structural equality of JSON values with `undefined` members ignored (as `stableStringify` sees them),
 * without serializing: this runs for every field of every item of every sync.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i += 1) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  let defined = 0;
  for (const key in ra) {
    if (ra[key] === undefined) continue;
    defined += 1;
    if (!sameJson(ra[key], rb[key])) return false;
  }
  for (const key in rb) if (rb[key] !== undefined) defined -= 1;
  return defined === 0;
}

export function sameOptionalTime(a: EventTime | undefined, b: EventTime | undefined): boolean {
  // Byte-equal first: `sameTime` resolves zones, which is far slower and rarely needed.
  return sameJson(a, b) || sameTime(a, b);
}

function sameTimeList(a: readonly EventTime[], b: readonly EventTime[]): boolean {
  if (a.length !== b.length) return false;
  const rest = [...b];
  // Order-insensitive: EXDATE/RDATE lists are sets, and servers reorder them.
  for (const t of a) {
    const i = rest.findIndex((u) => sameOptionalTime(t, u));
    if (i < 0) return false;
    rest.splice(i, 1);
  }
  return true;
}

export function sameRecurrence(a: Recurrence | undefined, b: Recurrence | undefined): boolean {
  if (sameJson(a, b)) return true;
  if (a === undefined || b === undefined) return false;
  return (
    sameJson([...a.rrules].sort(), [...b.rrules].sort()) &&
    sameTimeList(a.rdates, b.rdates) &&
    sameTimeList(a.exdates, b.exdates) &&
    sameJson([...(a.unsupportedBy ?? [])].sort(), [...(b.unsupportedBy ?? [])].sort())
  );
}

/**
 * Servers stamp DTSTAMP (and LAST-MODIFIED, CREATED, SEQUENCE when kept as raw properties) on every
 * write. Those are bookkeeping, not edits: compared as if absent, or every write we make would look
 * like a new change and echo forever.
 */
const STAMP_PROPERTIES: ReadonlySet<string> = new Set(['dtstamp', 'last-modified', 'created', 'sequence']);

function withoutStamps(extra: Unmodelled | undefined): Unmodelled | undefined {
  if (!extra?.properties) return extra;
  const properties = extra.properties.filter((p) => !(Array.isArray(p) && typeof p[0] === 'string' && STAMP_PROPERTIES.has(p[0].toLowerCase())));
  const rest: Unmodelled = { ...extra };
  if (properties.length > 0) rest.properties = properties;
  else delete rest.properties;
  return Object.keys(rest).length === 0 ? undefined : rest;
}

export function sameExtra(a: Unmodelled | undefined, b: Unmodelled | undefined): boolean {
  return sameJson(a, b) || sameJson(withoutStamps(a), withoutStamps(b));
}

/** Attendees are a set keyed by lower-cased email; servers reorder them and change the case. */
function attendeeKey(a: Attendee): string {
  return stableStringify({ ...a, email: a.email.toLowerCase() });
}

export function sameAttendees(a: readonly Attendee[], b: readonly Attendee[]): boolean {
  if (sameJson(a, b)) return true;
  if (a.length !== b.length) return false;
  const ka = a.map(attendeeKey).sort();
  const kb = b.map(attendeeKey).sort();
  return ka.every((k, i) => k === kb[i]);
}

export function sameStringSet(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const sb = [...b].sort();
  return [...a].sort().every((s, i) => s === sb[i]);
}

/** Overrides compare as a set keyed by recurrence id, each with times compared as instants. */
function sameOverride(a: EventOverride, b: EventOverride): boolean {
  const { start: sa, end: ea, recurrenceId: ra, attendees: aa, categories: ca, extra: xa, sequence: _qa, created: _cra, lastModified: _la, ...ra2 } = a;
  const { start: sb, end: eb, recurrenceId: rb, attendees: ab, categories: cb, extra: xb, sequence: _qb, created: _crb, lastModified: _lb, ...rb2 } = b;
  return (
    sameOptionalTime(ra, rb) &&
    sameExtra(xa, xb) &&
    sameOptionalTime(sa, sb) &&
    sameOptionalTime(ea, eb) &&
    sameAttendees(aa, ab) &&
    sameStringSet(ca, cb) &&
    sameJson(ra2, rb2)
  );
}

export function sameOverrides(a: readonly EventOverride[], b: readonly EventOverride[]): boolean {
  if (a.length !== b.length) return false;
  const rest = [...b];
  for (const o of a) {
    const i = rest.findIndex((p) => sameOverride(o, p));
    if (i < 0) return false;
    rest.splice(i, 1);
  }
  return true;
}

