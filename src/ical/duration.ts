/**
 * RFC 5545 durations (`P1W`, `-P1DT2H`, `PT15M`) applied to event times, for events that give
 * DURATION instead of DTEND. Days and weeks are nominal (wall-clock days, so a day across a DST change
 * is still "the same time tomorrow"); hours, minutes and seconds are exact (§3.3.6).
 */
import type { EventTime } from '../model/event.js';
import { addDays, ianaOf, localToMs, msToLocal, msToUtc, toInstantMs, utcToZoneLocalMs } from '../model/time.js';

const DURATION_RE = /^([+-])?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

interface Parts {
  sign: 1 | -1;
  days: number;
  seconds: number;
}

function parts(duration: string): Parts | undefined {
  const m = DURATION_RE.exec(duration);
  if (!m || duration.endsWith('P') || duration.endsWith('T')) return undefined;
  const n = (i: number): number => Number(m[i] ?? 0);
  return { sign: m[1] === '-' ? -1 : 1, days: n(2) * 7 + n(3), seconds: n(4) * 3600 + n(5) * 60 + n(6) };
}

export function isDuration(text: string): boolean {
  return parts(text) !== undefined;
}

/** `start + duration` in start's form, or undefined when the duration does not fit the form. */
export function addDuration(start: EventTime, duration: string): EventTime | undefined {
  const p = parts(duration);
  if (!p) return undefined;
  // Beyond ±100,000 days (~270 years) a duration is nonsense, and past Date's range it would throw.
  if (p.days > 100_000 || p.seconds > 100_000 * 86_400) return undefined;
  const days = p.sign * p.days;
  const ms = p.sign * p.seconds * 1000;
  switch (start.kind) {
    case 'date':
      // A DATE start with a time-of-day duration is not meaningful; the DURATION stays verbatim.
      return p.seconds === 0 ? { kind: 'date', date: addDays(start.date, days) } : undefined;
    case 'utc':
      return { kind: 'utc', utc: msToUtc(toInstantMs(start) + days * 86_400_000 + ms) };
    case 'floating':
      return { kind: 'floating', local: msToLocal(localToMs(start.local) + days * 86_400_000 + ms) };
    case 'zoned': {
      const local = msToLocal(localToMs(start.local) + days * 86_400_000);
      const iana = ianaOf(start);
      const shifted = { ...start, local };
      if (ms === 0) return shifted;
      if (!iana) return { ...start, local: msToLocal(localToMs(local) + ms) };
      return { ...start, local: msToLocal(utcToZoneLocalMs(iana, toInstantMs(shifted) + ms)) };
    }
  }
}
