/**
 * Graph `patternedRecurrence` → RRULE text. Every Outlook pattern has an exact RRULE, so this direction
 * never fails. The rule is written in a minimal form (BYDAY/BYMONTHDAY/BYMONTH left out when they only
 * repeat what DTSTART says) because that is also how iCalendar clients write them: a rule that went
 * hub → Outlook → hub comes back as the same text.
 */
import type { EventTime } from '../../../model/event.js';
import { dateOf, localToMs, msToLocal, zoneLocalToUtcMs } from '../../../model/time.js';
import { resolveTzid } from '../../../model/timezones.js';
import type { GraphPatternedRecurrence, GraphRecurrencePattern } from '../graph-types.js';
import { DAY_CODES, INDEX_NUMBERS, weekdayOf, ymd } from './rrule-parts.js';

const FREQ: Record<GraphRecurrencePattern['type'], string> = {
  daily: 'DAILY',
  weekly: 'WEEKLY',
  absoluteMonthly: 'MONTHLY',
  relativeMonthly: 'MONTHLY',
  absoluteYearly: 'YEARLY',
  relativeYearly: 'YEARLY',
};

const compact = (local: string): string => local.replace(/[-:]/g, '');

/**
 * UNTIL for Graph's inclusive `endDate`: the end of that day, in DTSTART's form (RFC 5545 requires a
 * date for a date DTSTART, UTC for a zoned or UTC one, and local time for a floating one).
 */
function untilFor(endDate: string, start: EventTime): string {
  const endOfDay = `${endDate}T23:59:59`;
  switch (start.kind) {
    case 'date':
      return compact(endDate);
    case 'floating':
      return compact(endOfDay);
    case 'utc':
      return `${compact(endOfDay)}Z`;
    case 'zoned': {
      const iana = start.iana ?? resolveTzid(start.tzid);
      const ms = iana ? zoneLocalToUtcMs(iana, localToMs(endOfDay)) : localToMs(endOfDay);
      return `${compact(msToLocal(ms))}Z`;
    }
  }
}

function relativeByDay(pattern: GraphRecurrencePattern): string[] {
  const days = pattern.daysOfWeek ?? [];
  const ordinal = INDEX_NUMBERS[pattern.index ?? 'first'];
  // One day: the ordinal goes on the day (`2TU`); several ("last weekday"): BYSETPOS picks among them.
  if (days.length === 1) return [`BYDAY=${ordinal}${DAY_CODES[days[0] ?? 'monday']}`];
  return [`BYDAY=${days.map((d) => DAY_CODES[d]).join(',')}`, `BYSETPOS=${ordinal}`];
}

function patternParts(pattern: GraphRecurrencePattern, startDate: string): string[] {
  const start = ymd(startDate);
  switch (pattern.type) {
    case 'daily':
      return [];
    case 'weekly': {
      const days = pattern.daysOfWeek ?? [];
      const onlyStartDay = days.length === 1 && days[0] === weekdayOf(startDate);
      const parts = days.length === 0 || onlyStartDay ? [] : [`BYDAY=${days.map((d) => DAY_CODES[d]).join(',')}`];
      // WKST only changes anything when INTERVAL > 1, but Outlook always stores it: keep what it says.
      if (pattern.firstDayOfWeek && pattern.firstDayOfWeek !== 'monday') parts.push(`WKST=${DAY_CODES[pattern.firstDayOfWeek]}`);
      return parts;
    }
    case 'absoluteMonthly':
      return pattern.dayOfMonth === undefined || pattern.dayOfMonth === start.day ? [] : [`BYMONTHDAY=${pattern.dayOfMonth}`];
    case 'relativeMonthly':
      return relativeByDay(pattern);
    case 'absoluteYearly': {
      const month = pattern.month ?? start.month;
      const day = pattern.dayOfMonth ?? start.day;
      return month === start.month && day === start.day ? [] : [`BYMONTH=${month}`, `BYMONTHDAY=${day}`];
    }
    case 'relativeYearly':
      return [`BYMONTH=${pattern.month ?? start.month}`, ...relativeByDay(pattern)];
  }
}

/** The RRULE (without `RRULE:`) for an Outlook recurrence whose series starts at `start`. */
export function rruleFromGraph(recurrence: GraphPatternedRecurrence, start: EventTime): string {
  const { pattern, range } = recurrence;
  const parts = [`FREQ=${FREQ[pattern.type]}`];
  if (pattern.interval > 1) parts.push(`INTERVAL=${pattern.interval}`);
  if (range.type === 'numbered' && range.numberOfOccurrences) parts.push(`COUNT=${range.numberOfOccurrences}`);
  if (range.type === 'endDate' && range.endDate) parts.push(`UNTIL=${untilFor(range.endDate.slice(0, 10), start)}`);
  parts.push(...patternParts(pattern, dateOf(start)));
  return parts.join(';');
}
