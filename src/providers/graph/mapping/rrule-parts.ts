/**
 * RRULE text (RFC 5545 §3.3.10, without the `RRULE:` prefix) split into its parts, plus the calendar
 * arithmetic both recurrence directions need. Kept apart so the two mapping directions stay readable.
 */
import type { GraphDayOfWeek, GraphWeekIndex } from '../graph-types.js';

export type RruleParts = Map<string, string>;

/** Parts by upper-case name; undefined for text that is not a well-formed rule (empty or repeated part). */
export function parseRrule(text: string): RruleParts | undefined {
  const parts: RruleParts = new Map();
  for (const piece of text.trim().replace(/^RRULE:/i, '').split(';')) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    if (eq <= 0) return undefined;
    const name = piece.slice(0, eq).toUpperCase();
    if (parts.has(name)) return undefined;
    parts.set(name, piece.slice(eq + 1).toUpperCase());
  }
  return parts.has('FREQ') ? parts : undefined;
}

export const DAY_CODES: Record<GraphDayOfWeek, string> = {
  sunday: 'SU',
  monday: 'MO',
  tuesday: 'TU',
  wednesday: 'WE',
  thursday: 'TH',
  friday: 'FR',
  saturday: 'SA',
};

/** Graph day names in JavaScript `getUTCDay()` order. */
export const DAYS_BY_NUMBER: readonly GraphDayOfWeek[] = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

const DAY_BY_CODE = new Map<string, GraphDayOfWeek>(DAYS_BY_NUMBER.map((d) => [DAY_CODES[d], d] as const));

export function dayFromCode(code: string): GraphDayOfWeek | undefined {
  return DAY_BY_CODE.get(code);
}

export const INDEX_NUMBERS: Record<GraphWeekIndex, number> = { first: 1, second: 2, third: 3, fourth: 4, last: -1 };

const INDEX_BY_NUMBER = new Map<number, GraphWeekIndex>(
  (Object.entries(INDEX_NUMBERS) as [GraphWeekIndex, number][]).map(([k, v]) => [v, k] as const),
);

/** Outlook's week index for an RRULE ordinal; only 1–4 and -1 (last) exist in Outlook. */
export function indexFromNumber(n: number): GraphWeekIndex | undefined {
  return INDEX_BY_NUMBER.get(n);
}

/** `[ordinal, dayCode]` of a BYDAY token (`2TU` → [2, 'TU'], `MO` → [undefined, 'MO']). */
export function splitByDay(token: string): [number | undefined, string] | undefined {
  const m = /^([+-]?\d{1,2})?(SU|MO|TU|WE|TH|FR|SA)$/.exec(token);
  if (!m?.[2]) return undefined;
  return [m[1] === undefined ? undefined : Number(m[1]), m[2]];
}

export interface YearMonthDay {
  year: number;
  month: number;
  day: number;
}

export function ymd(date: string): YearMonthDay {
  return { year: Number(date.slice(0, 4)), month: Number(date.slice(5, 7)), day: Number(date.slice(8, 10)) };
}

export function weekdayOf(date: string): GraphDayOfWeek {
  const { year, month, day } = ymd(date);
  return DAYS_BY_NUMBER[new Date(Date.UTC(year, month - 1, day)).getUTCDay()] ?? 'sunday';
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * The day of the month that Outlook's relative pattern (`index` of the days in `days`) picks, e.g. the
 * last weekday of June 2026 for (['monday'…'friday'], 'last').
 */
export function relativeDay(year: number, month: number, days: readonly GraphDayOfWeek[], index: GraphWeekIndex): number | undefined {
  const matching: number[] = [];
  for (let d = 1; d <= daysInMonth(year, month); d += 1) {
    const weekday = DAYS_BY_NUMBER[new Date(Date.UTC(year, month - 1, d)).getUTCDay()];
    if (weekday && days.includes(weekday)) matching.push(d);
  }
  return index === 'last' ? matching[matching.length - 1] : matching[INDEX_NUMBERS[index] - 1];
}
