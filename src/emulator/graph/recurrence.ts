/**
 * Expansion of Graph's `patternedRecurrence` into occurrence dates. Dates are "local day" values:
 * ms at UTC midnight standing for a calendar date in the recurrence time zone, so the arithmetic is
 * free of DST; the caller adds the series' time of day and converts to an instant.
 */
import { GraphError } from './graph-error.js';

export type PatternType = 'daily' | 'weekly' | 'absoluteMonthly' | 'relativeMonthly' | 'absoluteYearly' | 'relativeYearly';
export type WeekIndex = 'first' | 'second' | 'third' | 'fourth' | 'last';

export interface RecurrencePattern {
  type: PatternType;
  interval: number;
  month: number;
  dayOfMonth: number;
  daysOfWeek: string[];
  firstDayOfWeek: string;
  index: WeekIndex;
}

export interface RecurrenceRange {
  type: 'endDate' | 'noEnd' | 'numbered';
  startDate: string;
  endDate: string;
  recurrenceTimeZone: string;
  numberOfOccurrences: number;
}

export interface PatternedRecurrence {
  pattern: RecurrencePattern;
  range: RecurrenceRange;
}

const DAY = 86_400_000;
const DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const INDEXES: Record<WeekIndex, number> = { first: 0, second: 1, third: 2, fourth: 3, last: -1 };
/** Hard stop so a malformed or endless series can never spin: ~27 years of daily occurrences. */
export const MAX_OCCURRENCES = 10_000;

export function parseDate(date: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new GraphError(400, 'ErrorInvalidRequest', `Invalid recurrence date '${date}'.`);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
}

export function formatDate(day: number): string {
  return new Date(day).toISOString().slice(0, 10);
}

const dow = (day: number): number => new Date(day).getUTCDay();
const dayNumbers = (names: string[]): number[] => names.map((n) => DAYS.indexOf(n.toLowerCase())).filter((n) => n >= 0);

function daysInMonth(year: number, month0: number): number {
  return new Date(Date.UTC(year, month0 + 1, 0)).getUTCDate();
}

/** The dates matching the pattern within one period (a day, week, month or year), sorted. */
function periodDates(p: RecurrencePattern, start: number, period: number): number[] {
  const s = new Date(start);
  switch (p.type) {
    case 'daily':
      return [start + period * p.interval * DAY];
    case 'weekly': {
      const first = Math.max(0, DAYS.indexOf(p.firstDayOfWeek.toLowerCase()));
      const weekStart = start - ((dow(start) - first + 7) % 7) * DAY + period * p.interval * 7 * DAY;
      const wanted = new Set(dayNumbers(p.daysOfWeek));
      return [0, 1, 2, 3, 4, 5, 6].map((i) => weekStart + i * DAY).filter((d) => wanted.has(dow(d)));
    }
    case 'absoluteMonthly':
    case 'relativeMonthly': {
      const monthIndex = s.getUTCMonth() + period * p.interval;
      return monthDates(p, s.getUTCFullYear() + Math.floor(monthIndex / 12), monthIndex % 12, p.type === 'relativeMonthly');
    }
    case 'absoluteYearly':
    case 'relativeYearly':
      return monthDates(p, s.getUTCFullYear() + period * p.interval, p.month - 1, p.type === 'relativeYearly');
  }
}

function monthDates(p: RecurrencePattern, year: number, month0: number, relative: boolean): number[] {
  const length = daysInMonth(year, month0);
  if (!relative) return p.dayOfMonth <= length ? [Date.UTC(year, month0, p.dayOfMonth)] : [];
  const wanted = new Set(dayNumbers(p.daysOfWeek));
  const matches: number[] = [];
  for (let d = 1; d <= length; d++) {
    const day = Date.UTC(year, month0, d);
    if (wanted.has(dow(day))) matches.push(day);
  }
  const idx = INDEXES[p.index];
  const pick = idx < 0 ? matches[matches.length - 1] : matches[idx];
  return pick === undefined ? [] : [pick];
}

/**
 * Occurrence dates of a series, in order, honouring the range. Lazy: the caller stops at its
 * window end. Bounded by MAX_OCCURRENCES and by a period budget for patterns that rarely match.
 */
export function* occurrenceDates(r: PatternedRecurrence): Generator<number> {
  const start = parseDate(r.range.startDate);
  const end = r.range.type === 'endDate' ? parseDate(r.range.endDate) : Number.POSITIVE_INFINITY;
  const limit = r.range.type === 'numbered' ? Math.min(r.range.numberOfOccurrences, MAX_OCCURRENCES) : MAX_OCCURRENCES;
  let emitted = 0;
  for (let period = 0; period < MAX_OCCURRENCES * 4 && emitted < limit; period++) {
    const dates = periodDates(r.pattern, start, period);
    for (const d of dates) {
      if (d < start) continue;
      if (d > end) return;
      yield d;
      if (++emitted >= limit) return;
    }
    // A period entirely past the end date ends the series even when it matched nothing.
    if (dates.length > 0 && dates.every((d) => d > end)) return;
  }
}
