/**
 * jCal date/date-time values ⇄ the model's `EventTime`. jCal writes `2026-06-13`, `2026-06-13T14:00:00`
 * and `2026-06-13T14:00:00Z`; the TZID travels as a parameter. Anything that does not look like a real
 * date is refused here (ical.js passes garbage through as mangled strings), so callers keep such
 * properties verbatim instead of inventing a time.
 */
import type { EventTime } from '../model/event.js';
import { resolveTzid } from '../model/timezones.js';
import type { JCalParams } from './jcal.js';

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(Z?)$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function validDate(y: string, m: string, d: string): boolean {
  const month = Number(m);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1) return false;
  if (month !== 2) return day <= (DAYS_IN_MONTH[month - 1] ?? 0);
  // As `Date.UTC` counts them (it reads years 0–99 as 1900–1999), without a Date per value.
  const raw = Number(y);
  const year = raw >= 0 && raw <= 99 ? 1900 + raw : raw;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return day <= (leap ? 29 : 28);
}

/** Maps a TZID to its IANA zone (by name, or by the data's VTIMEZONE; see parse.ts). */
export type TzidResolver = (tzid: string) => string | undefined;

/** The EventTime for one jCal value of type `date` or `date-time`, or undefined when it is not one. */
export function timeFromJcal(type: string, value: unknown, params: JCalParams, resolve: TzidResolver = resolveTzid): EventTime | undefined {
  if (typeof value !== 'string') return undefined;
  if (type === 'date') {
    const m = DATE_RE.exec(value);
    if (!m || !validDate(m[1]!, m[2]!, m[3]!)) return undefined;
    return { kind: 'date', date: value };
  }
  if (type !== 'date-time') return undefined;
  const m = DATE_TIME_RE.exec(value);
  if (!m || !validDate(m[1]!, m[2]!, m[3]!)) return undefined;
  // Second 60 is a leap second, which RFC 5545 allows.
  if (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6]) > 60) return undefined;
  if (m[7] === 'Z') return { kind: 'utc', utc: value };
  const tzid = params.tzid;
  if (typeof tzid !== 'string') return { kind: 'floating', local: value };
  const iana = resolve(tzid);
  return iana === undefined ? { kind: 'zoned', local: value, tzid } : { kind: 'zoned', local: value, tzid, iana };
}

export interface JcalTime {
  type: 'date' | 'date-time';
  value: string;
  tzid?: string;
}

/** The jCal form of an EventTime (seconds are always written; iCalendar has no shorter form). */
export function timeToJcal(t: EventTime): JcalTime {
  switch (t.kind) {
    case 'date':
      return { type: 'date', value: t.date };
    case 'utc':
      return { type: 'date-time', value: `${withSeconds(t.utc.replace(/(\.\d+)?Z$/, ''))}Z` };
    case 'floating':
      return { type: 'date-time', value: withSeconds(t.local) };
    case 'zoned':
      return { type: 'date-time', value: withSeconds(t.local), tzid: t.tzid };
  }
}

function withSeconds(local: string): string {
  return local.length === 16 ? `${local}:00` : local;
}
