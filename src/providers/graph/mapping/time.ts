/**
 * Graph `dateTimeTimeZone` ⇄ model `EventTime`.
 *
 * Graph reports start/end in UTC unless asked otherwise (`Prefer: outlook.timezone`), and the zone the
 * event was created in as `originalStartTimeZone` (a Windows name). Reading, we turn the UTC value back
 * into wall-clock time in that zone, so an event created "15:00 Pacific" comes back as exactly that and
 * not as "22:00 UTC" (which would be the same instant but a different DTSTART for iCalendar clients).
 * Writing, we send Windows names, which every Exchange version accepts (IANA names only on some).
 */
import { ValidationError } from '../../../errors.js';
import type { EventTime } from '../../../model/event.js';
import { localToMs, msToLocal, toInstantMs, utcToZoneLocalMs } from '../../../model/time.js';
import { ianaToWindows, resolveTzid, windowsToIana } from '../../../model/timezones.js';
import type { GraphDateTimeTimeZone } from '../graph-types.js';

const DAY_MS = 86_400_000;

const GRAPH_DATE_TIME = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2})(:\d{2})?)?/;

/** `YYYY-MM-DDTHH:mm:ss` from Graph's `2026-06-20T15:00:00.0000000` (fraction and any offset dropped). */
export function graphLocal(dateTime: string): string {
  const m = GRAPH_DATE_TIME.exec(dateTime);
  if (!m) throw new ValidationError(`not a Graph dateTime: ${JSON.stringify(dateTime)}`, { value: dateTime });
  return `${m[1]}T${m[2] ?? '00:00'}${m[3] ?? ':00'}`;
}

function zonedFromInstant(ms: number, tzid: string, iana: string): EventTime {
  return { kind: 'zoned', local: msToLocal(utcToZoneLocalMs(iana, ms)), tzid, iana };
}

/**
 * A Graph start/end as a model time.
 * @param originalTimeZone `originalStartTimeZone`/`originalEndTimeZone`: the zone to report a UTC value in.
 */
export function timeFromGraph(value: GraphDateTimeTimeZone, isAllDay: boolean, originalTimeZone?: string | null): EventTime {
  const local = graphLocal(value.dateTime);
  if (isAllDay) return { kind: 'date', date: local.slice(0, 10) };
  const zone = resolveTzid(value.timeZone);
  if (zone === 'UTC') {
    const original = originalTimeZone ? resolveTzid(originalTimeZone) : undefined;
    if (originalTimeZone && original && original !== 'UTC') return zonedFromInstant(localToMs(local), originalTimeZone, original);
    return { kind: 'utc', utc: `${local}Z` };
  }
  // A zone we cannot resolve (a custom Outlook zone) is kept by name: the instant is then unknown, but
  // the data is not altered.
  return zone ? { kind: 'zoned', local, tzid: value.timeZone, iana: zone } : { kind: 'zoned', local, tzid: value.timeZone };
}

/** The Windows name Graph should get for a zoned time, or undefined when the zone is unknown. */
function graphZoneName(tzid: string, iana: string | undefined): string | undefined {
  if (windowsToIana(tzid)) return tzid;
  const resolved = iana ?? resolveTzid(tzid);
  if (!resolved) return undefined;
  // Graph also accepts IANA names; a zone CLDR has no Windows mapping for goes through as IANA.
  return ianaToWindows(resolved) ?? resolved;
}

/**
 * A model time as Graph's `dateTimeTimeZone`.
 * @param floatingZone IANA zone that floating times are written in (Graph has no floating times).
 */
export function timeToGraph(t: EventTime, floatingZone = 'UTC'): GraphDateTimeTimeZone {
  switch (t.kind) {
    case 'date':
      return { dateTime: `${t.date}T00:00:00`, timeZone: 'UTC' };
    case 'utc':
      return { dateTime: t.utc.slice(0, 19), timeZone: 'UTC' };
    case 'floating':
      return { dateTime: t.local, timeZone: ianaToWindows(floatingZone) ?? floatingZone };
    case 'zoned': {
      const name = graphZoneName(t.tzid, t.iana);
      if (name) return { dateTime: t.local, timeZone: name };
      // Unknown zone: the instant (through a registered VTIMEZONE when there is one) in UTC.
      return { dateTime: msToLocal(toInstantMs(t)), timeZone: 'UTC' };
    }
  }
}

/**
 * An occurrence's `originalStart` (a UTC instant) in the series master's start form, which is what the
 * model's `recurrenceId` must be.
 */
export function recurrenceIdFromGraph(
  originalStart: string,
  masterStart: EventTime,
  zones: { floatingZone?: string; allDayZone?: string | undefined; allDayOffsetMs?: number } = {},
): EventTime {
  const ms = Date.parse(originalStart);
  switch (masterStart.kind) {
    case 'utc':
      return { kind: 'utc', utc: `${msToLocal(ms)}Z` };
    case 'date': {
      // An all-day occurrence starts at midnight: UTC midnight as some servers report it, or local
      // midnight of the zone the series was created in. That zone is not reliably named (live Graph
      // reports "UTC" for all-day series whatever the creator's zone), so: the offset read off the
      // series' own occurrences (DST moves it by an hour, which rounding absorbs); else the named zone,
      // when its midnight is what we got; else the nearest UTC midnight (right from UTC-11 to UTC+12).
      if (ms % DAY_MS === 0) return { kind: 'date', date: msToLocal(ms).slice(0, 10) };
      if (zones.allDayOffsetMs !== undefined) return { kind: 'date', date: msToLocal(Math.round((ms - zones.allDayOffsetMs) / DAY_MS) * DAY_MS).slice(0, 10) };
      const local = zones.allDayZone ? msToLocal(utcToZoneLocalMs(zones.allDayZone, ms)) : undefined;
      if (local?.endsWith('T00:00:00')) return { kind: 'date', date: local.slice(0, 10) };
      return { kind: 'date', date: msToLocal(Math.round(ms / DAY_MS) * DAY_MS).slice(0, 10) };
    }
    case 'floating':
      return { kind: 'floating', local: msToLocal(utcToZoneLocalMs(zones.floatingZone ?? 'UTC', ms)) };
    case 'zoned': {
      const iana = masterStart.iana ?? resolveTzid(masterStart.tzid);
      const local = iana ? msToLocal(utcToZoneLocalMs(iana, ms)) : msToLocal(ms);
      return iana ? { kind: 'zoned', local, tzid: masterStart.tzid, iana } : { kind: 'zoned', local, tzid: masterStart.tzid };
    }
  }
}

/**
 * A recurrence id as a comparable key: the date of an all-day occurrence, else its instant — so a
 * Windows and an IANA spelling of one zone give the same key.
 */
export function occurrenceKey(t: EventTime): string {
  return t.kind === 'date' ? `D${t.date}` : String(toInstantMs(t));
}
