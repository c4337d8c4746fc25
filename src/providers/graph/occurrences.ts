/**
 * Where a series' occurrences should be, so that the ones Outlook no longer has can be recognised as
 * cancelled. Graph v1.0 lists a series' instances but never says which occurrences were deleted (the
 * master carries no EXDATE list), so we expand the pattern ourselves — with ical.js, on the RRULE we map
 * the pattern to — and compare.
 */
import ICAL from 'ical.js';
import type { EventTime } from '../../model/event.js';
import { localToMs, zoneLocalToUtcMs } from '../../model/time.js';
import { resolveTzid } from '../../model/timezones.js';
import type { GraphPatternedRecurrence } from './graph-types.js';
import { rruleFromGraph } from './mapping/recurrence-from-graph.js';

/** Bound on expanded occurrences per series and window (a daily series over three years is ~1,100). */
export const MAX_OCCURRENCES = 5_000;

export interface Occurrence {
  /** UTC instant of the occurrence's original start. */
  ms: number;
}

/**
 * Occurrence starts of `recurrence` (series starting at `start`) with fromMs ≤ start < toMs, at most
 * MAX_OCCURRENCES. The rule is expanded in wall-clock time of the series' zone, as Outlook does.
 * @param allDayZone zone whose midnight an all-day occurrence starts at (default UTC).
 */
export function expandOccurrences(recurrence: GraphPatternedRecurrence, start: EventTime, fromMs: number, toMs: number, allDayZone?: string): Occurrence[] {
  let local: string;
  let zone: string;
  if (start.kind === 'date') {
    local = start.date;
    zone = allDayZone ?? 'UTC';
  } else if (start.kind === 'utc') {
    local = start.utc.slice(0, 19);
    zone = 'UTC';
  } else {
    local = start.local;
    zone = (start.kind === 'zoned' ? (start.iana ?? resolveTzid(start.tzid)) : undefined) ?? 'UTC';
  }
  // Expanding a floating copy keeps UNTIL in local time, comparable with the floating occurrences.
  const asFloating: EventTime = start.kind === 'date' ? start : { kind: 'floating', local };
  const rule = ICAL.Recur.fromString(rruleFromGraph(recurrence, asFloating));
  const iterator = rule.iterator(start.kind === 'date' ? ICAL.Time.fromDateString(local) : ICAL.Time.fromDateTimeString(local));
  const out: Occurrence[] = [];
  for (let steps = 0; steps < MAX_OCCURRENCES * 4; steps += 1) {
    const next = iterator.next();
    if (!next) break;
    const ms = zoneLocalToUtcMs(zone, localToMs(next.toString()));
    if (ms >= toMs) break;
    if (ms >= fromMs) out.push({ ms });
    if (out.length >= MAX_OCCURRENCES) break;
  }
  return out;
}
