/**
 * Helpers over `EventTime` (see event.ts): instants, comparison, human formatting and date arithmetic.
 *
 * Instants of the four forms:
 * - `utc`: the instant itself.
 * - `zoned`: the wall-clock time in its zone — the `iana` zone (or the TZID when that is an IANA name)
 *   through Intl, else the rules of a VTIMEZONE the codec registered for that TZID, else (unknown zone)
 *   as if UTC. Times in a DST gap move forward by the gap; ambiguous times take the first occurrence
 *   (RFC 5545 §3.3.5).
 * - `floating` and `date`: as if the wall clock were UTC. They have no instant; this makes ordering and
 *   duration arithmetic consistent, and `sameTime` never compares them with instants anyway.
 */
import { ValidationError } from '../errors.js';
import type { EventTime } from './event.js';
import { ianaName, registeredZoneRules } from './timezones.js';

const DAY_MS = 86_400_000;
const LOCAL_RE = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?$/;

/** Milliseconds of a `YYYY-MM-DD[THH:mm[:ss]]` wall-clock value read as if it were UTC. */
export function localToMs(local: string): number {
  const m = LOCAL_RE.exec(local);
  if (!m) throw new ValidationError(`not a local date-time: ${JSON.stringify(local)}`, { value: local });
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0));
  return ms;
}

/** `YYYY-MM-DDTHH:mm:ss` for ms read as a UTC wall clock. */
export function msToLocal(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

/** The model's UTC form, `YYYY-MM-DDTHH:mm:ssZ`. */
export function msToUtc(ms: number): string {
  return `${msToLocal(ms)}Z`;
}

function utcToMs(utc: string): number {
  const ms = Date.parse(utc);
  if (Number.isNaN(ms) || !/(Z|[+-]\d{2}:?\d{2})$/.test(utc)) {
    throw new ValidationError(`not a UTC date-time: ${JSON.stringify(utc)}`, { value: utc });
  }
  return ms;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(iana: string): Intl.DateTimeFormat {
  let f = formatters.get(iana);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: iana,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    formatters.set(iana, f);
  }
  return f;
}

/** The zone's UTC offset (ms, east positive) at an instant. */
export function zoneOffsetMs(iana: string, utcMs: number): number {
  const whole = Math.floor(utcMs / 1000) * 1000;
  const parts = formatterFor(iana).formatToParts(new Date(whole));
  const get = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  let year = get('year');
  if (parts.find((p) => p.type === 'era')?.value === 'BC') year = 1 - year;
  const asUtc = Date.UTC(year, get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  // Date.UTC maps years 0–99 to 1900–1999; correct that rare case rather than mis-offsetting.
  const fixed = year >= 0 && year < 100 ? new Date(asUtc).setUTCFullYear(year) : asUtc;
  return fixed - whole;
}

/** The wall-clock time (ms as if UTC) of an instant in an IANA zone. */
export function utcToZoneLocalMs(iana: string, utcMs: number): number {
  return utcMs + zoneOffsetMs(iana, utcMs);
}

/** The instant of a wall-clock time in an IANA zone (gap: shifted forward; overlap: first occurrence). */
export function zoneLocalToUtcMs(iana: string, localMs: number): number {
  const before = zoneOffsetMs(iana, localMs - DAY_MS);
  const after = zoneOffsetMs(iana, localMs + DAY_MS);
  const viaBefore = localMs - before;
  if (before === after) return viaBefore;
  const viaAfter = localMs - after;
  const beforeValid = zoneOffsetMs(iana, viaBefore) === before;
  const afterValid = zoneOffsetMs(iana, viaAfter) === after;
  if (beforeValid && afterValid) return Math.min(viaBefore, viaAfter);
  if (afterValid) return viaAfter;
  // Valid under the earlier offset only, or in a gap: the earlier offset moves it past the gap.
  return viaBefore;
}

/** The IANA zone a zoned time computes with, when it has one. */
export function ianaOf(t: Extract<EventTime, { kind: 'zoned' }>): string | undefined {
  return t.iana ?? ianaName(t.tzid);
}

/** The instant (ms since the epoch) of a time; see the module comment for floating and date. */
export function toInstantMs(t: EventTime): number {
  switch (t.kind) {
    case 'utc':
      return utcToMs(t.utc);
    case 'date':
      return localToMs(t.date);
    case 'floating':
      return localToMs(t.local);
    case 'zoned': {
      const local = localToMs(t.local);
      const iana = ianaOf(t);
      if (iana) return zoneLocalToUtcMs(iana, local);
      const rules = registeredZoneRules(t.tzid);
      return rules ? rules.utcFromLocal(local) : local;
    }
  }
}

/**
 * Whether two times are the same value: same form, and equal instants (utc, zoned — a Windows and an
 * IANA name for one zone are equal), equal dates, or equal wall clocks (floating). Both absent: equal.
 */
export function sameTime(a?: EventTime, b?: EventTime): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'date':
      return a.date === (b as typeof a).date;
    case 'floating':
      return localToMs(a.local) === localToMs((b as typeof a).local);
    case 'utc':
    case 'zoned':
      return toInstantMs(a) === toInstantMs(b);
  }
}

/** Orders times by instant (see the module comment for floating and date); ties are 0. */
export function compareTime(a: EventTime, b: EventTime): number {
  return Math.sign(toInstantMs(a) - toInstantMs(b));
}

/** A human rendering: `2026-06-13 14:00 Europe/London`, `2026-06-13 (all day)`, `… UTC`, `… (floating)`. */
export function formatTime(t: EventTime): string {
  const hm = (local: string): string => {
    const s = local.replace('T', ' ');
    return s.endsWith(':00') && s.length === 19 ? s.slice(0, 16) : s;
  };
  switch (t.kind) {
    case 'date':
      return `${t.date} (all day)`;
    case 'floating':
      return `${hm(t.local)} (floating)`;
    case 'utc':
      return `${hm(msToLocal(utcToMs(t.utc)))} UTC`;
    case 'zoned':
      return `${hm(t.local)} ${t.iana ?? t.tzid}`;
  }
}

/** `YYYY-MM-DD` plus `days` (negative allowed), calendar arithmetic without time zones. */
export function addDays(date: string, days: number): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new ValidationError(`not a date: ${JSON.stringify(date)}`, { value: date });
  return msToLocal(localToMs(date) + days * DAY_MS).slice(0, 10);
}

/** The calendar date (`YYYY-MM-DD`) a time falls on in its own zone (UTC for `utc`). */
export function dateOf(t: EventTime): string {
  switch (t.kind) {
    case 'date':
      return t.date;
    case 'floating':
    case 'zoned':
      return t.local.slice(0, 10);
    case 'utc':
      return msToLocal(utcToMs(t.utc)).slice(0, 10);
  }
}

/** The end a time range effectively has: the explicit end, else one day after a date, else the start. */
export function effectiveEnd(start: EventTime, end?: EventTime): EventTime {
  if (end) return end;
  return start.kind === 'date' ? { kind: 'date', date: addDays(start.date, 1) } : start;
}
