/**
 * RRULE → Graph `patternedRecurrence`, and the question behind it: can Outlook express this rule?
 *
 * Outlook has six patterns (daily, weekly, absolute/relative monthly, absolute/relative yearly) and
 * three ranges (end date, no end, count). A rule outside them — BYHOUR, BYWEEKNO, BYYEARDAY, several
 * ordinals, a BYSETPOS over a list of month days, HOURLY/MINUTELY/SECONDLY… — is not approximated:
 * the caller keeps it in the hub and flags it (`Recurrence.unsupportedBy`). So are rules whose meaning
 * differs between the two systems: day 29–31 of a month (Outlook moves it to the month's last day,
 * RFC 5545 skips the month), and a DTSTART that is not itself an occurrence (RFC 5545 counts it, Outlook
 * does not).
 */
import type { EventTime } from '../../../model/event.js';
import { dateOf, localToMs, msToLocal, toInstantMs, utcToZoneLocalMs } from '../../../model/time.js';
import { resolveTzid } from '../../../model/timezones.js';
import type { GraphDayOfWeek, GraphPatternedRecurrence, GraphRecurrencePattern, GraphRecurrenceRange, GraphWeekIndex } from '../graph-types.js';
import type { RruleParts } from './rrule-parts.js';
import { dayFromCode, indexFromNumber, parseRrule, relativeDay, splitByDay, weekdayOf, ymd } from './rrule-parts.js';

export type RecurrenceAnalysis = { ok: true; recurrence: GraphPatternedRecurrence } | { ok: false; reason: string };

const ALLOWED_PARTS = new Set(['FREQ', 'INTERVAL', 'COUNT', 'UNTIL', 'BYDAY', 'BYMONTHDAY', 'BYMONTH', 'BYSETPOS', 'WKST']);

/** The pattern, with `undefined` fields meaning "take it from DTSTART". */
type PatternDraft = Omit<GraphRecurrencePattern, 'interval'>;
type Verdict = { ok: true; draft: PatternDraft } | { ok: false; reason: string };

const fail = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });

function plainDays(byDay: string | undefined): GraphDayOfWeek[] | undefined {
  if (byDay === undefined) return [];
  const days: GraphDayOfWeek[] = [];
  for (const token of byDay.split(',')) {
    const split = splitByDay(token);
    const day = split && split[0] === undefined ? dayFromCode(split[1]) : undefined;
    if (!day) return undefined;
    days.push(day);
  }
  return days;
}

/** BYDAY/BYSETPOS as Outlook's (days, index), or a reason it cannot be one. */
function relativePart(parts: RruleParts): { days: GraphDayOfWeek[]; index: GraphWeekIndex } | string {
  const byDay = parts.get('BYDAY') ?? '';
  const setPos = parts.get('BYSETPOS');
  if (setPos !== undefined) {
    const days = plainDays(byDay);
    const index = /^[+-]?\d+$/.test(setPos) ? indexFromNumber(Number(setPos)) : undefined;
    if (!days || days.length === 0 || !index) return `BYSETPOS=${setPos} with BYDAY=${byDay}`;
    return { days, index };
  }
  const tokens = byDay.split(',');
  const split = tokens.length === 1 ? splitByDay(byDay) : undefined;
  const day = split ? dayFromCode(split[1]) : undefined;
  const index = split?.[0] === undefined ? undefined : indexFromNumber(split[0]);
  if (!day || !index) return `BYDAY=${byDay}`;
  return { days: [day], index };
}

function monthlyDraft(parts: RruleParts, yearly: boolean): Verdict {
  const month = parts.get('BYMONTH');
  if (month !== undefined && (!yearly || !/^(?:[1-9]|1[0-2])$/.test(month))) return fail(`BYMONTH=${month}`);
  const monthNumber = month === undefined ? undefined : Number(month);
  if (parts.has('BYDAY')) {
    if (parts.has('BYMONTHDAY')) return fail('BYDAY with BYMONTHDAY');
    // An ordinal BYDAY in a YEARLY rule without BYMONTH counts weeks of the year: not Outlook's.
    if (yearly && monthNumber === undefined) return fail('YEARLY BYDAY without BYMONTH');
    const relative = relativePart(parts);
    if (typeof relative === 'string') return fail(relative);
    return { ok: true, draft: { type: yearly ? 'relativeYearly' : 'relativeMonthly', daysOfWeek: relative.days, index: relative.index, month: monthNumber } };
  }
  if (parts.has('BYSETPOS')) return fail('BYSETPOS without BYDAY');
  const monthDay = parts.get('BYMONTHDAY');
  if (monthDay !== undefined && !/^(?:[1-9]|1\d|2[0-8])$/.test(monthDay)) return fail(`BYMONTHDAY=${monthDay}`);
  const dayOfMonth = monthDay === undefined ? undefined : Number(monthDay);
  return { ok: true, draft: { type: yearly ? 'absoluteYearly' : 'absoluteMonthly', dayOfMonth, month: monthNumber } };
}

/** The pattern a rule needs, judged on the rule alone (DTSTART is checked by `alignsWith`). */
function draftFor(parts: RruleParts): Verdict {
  for (const name of parts.keys()) if (!ALLOWED_PARTS.has(name)) return fail(`${name} is not supported by Outlook`);
  if (parts.has('COUNT') && parts.has('UNTIL')) return fail('COUNT with UNTIL');
  const freq = parts.get('FREQ');
  const interval = parts.get('INTERVAL') ?? '1';
  if (!/^[1-9]\d{0,2}$/.test(interval)) return fail(`INTERVAL=${interval}`);
  const only = (...names: string[]): boolean => [...parts.keys()].every((n) => ['FREQ', 'INTERVAL', 'COUNT', 'UNTIL', 'WKST', ...names].includes(n));
  const firstDayOfWeek = dayFromCode(parts.get('WKST') ?? 'MO');
  if (!firstDayOfWeek) return fail(`WKST=${parts.get('WKST')}`);
  switch (freq) {
    case 'DAILY': {
      if (!parts.has('BYDAY')) return only() ? { ok: true, draft: { type: 'daily' } } : fail('DAILY with BY parts');
      // "Every weekday" (DAILY;BYDAY=MO,…,FR) is Outlook's weekly pattern with those days.
      const days = plainDays(parts.get('BYDAY'));
      if (!only('BYDAY') || !days || interval !== '1') return fail('DAILY with BYDAY');
      return { ok: true, draft: { type: 'weekly', daysOfWeek: days, firstDayOfWeek } };
    }
    case 'WEEKLY': {
      const days = plainDays(parts.get('BYDAY'));
      if (!only('BYDAY') || !days) return fail('WEEKLY with BY parts other than plain BYDAY');
      return { ok: true, draft: { type: 'weekly', daysOfWeek: days.length === 0 ? undefined : days, firstDayOfWeek } };
    }
    case 'MONTHLY':
      return monthlyDraft(parts, false);
    case 'YEARLY':
      return monthlyDraft(parts, true);
    default:
      return fail(`FREQ=${freq} is not supported by Outlook`);
  }
}

/** Whether Outlook can express the rule at all (the provider capability; DTSTART unknown). */
export function supportsRecurrence(rrule: string): boolean {
  const parts = parseRrule(rrule);
  return parts !== undefined && draftFor(parts).ok;
}

/** The pattern with DTSTART's date filled in, or why DTSTART is not an occurrence of it. */
function completePattern(draft: PatternDraft, interval: number, startDate: string): GraphRecurrencePattern | string {
  const start = ymd(startDate);
  const weekday = weekdayOf(startDate);
  const pattern: GraphRecurrencePattern = { ...draft, interval };
  for (const key of Object.keys(pattern) as (keyof GraphRecurrencePattern)[]) if (pattern[key] === undefined) delete pattern[key];
  switch (draft.type) {
    case 'daily':
      return pattern;
    case 'weekly':
      pattern.daysOfWeek = draft.daysOfWeek ?? [weekday];
      return pattern.daysOfWeek.includes(weekday) ? pattern : 'DTSTART is not on one of the BYDAY days';
    case 'absoluteMonthly':
    case 'absoluteYearly':
      pattern.dayOfMonth = draft.dayOfMonth ?? start.day;
      if (draft.type === 'absoluteYearly') pattern.month = draft.month ?? start.month;
      if (pattern.dayOfMonth > 28 && (draft.type === 'absoluteMonthly' || pattern.month === 2)) return 'day 29–31 (Outlook moves it to the last day)';
      if (pattern.dayOfMonth !== start.day || (pattern.month !== undefined && pattern.month !== start.month)) return 'DTSTART is not an occurrence';
      return pattern;
    case 'relativeMonthly':
    case 'relativeYearly': {
      if (draft.type === 'relativeYearly' && draft.month !== start.month) return 'DTSTART is not an occurrence';
      const picked = relativeDay(start.year, start.month, draft.daysOfWeek ?? [], draft.index ?? 'first');
      return picked === start.day ? pattern : 'DTSTART is not an occurrence';
    }
  }
}

/** Graph's inclusive end date for UNTIL: the date of the last occurrence at or before it. */
function endDateFor(until: string, start: EventTime): string | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z?))?$/.exec(until);
  if (!m) return undefined;
  const date = `${m[1]}-${m[2]}-${m[3]}`;
  if (m[4] === undefined || start.kind === 'date') return date;
  const untilLocal = `${date}T${m[4]}:${m[5]}:${m[6]}`;
  let local = untilLocal;
  if (m[7] === 'Z' && start.kind === 'zoned') {
    const iana = start.iana ?? resolveTzid(start.tzid);
    if (iana) local = msToLocal(utcToZoneLocalMs(iana, localToMs(untilLocal)));
  }
  const startLocal = start.kind === 'utc' ? msToLocal(toInstantMs(start)) : start.local;
  // UNTIL earlier in the day than the series' time of day excludes that day's occurrence.
  const lastDate = local.slice(11) < startLocal.slice(11) ? msToLocal(localToMs(local.slice(0, 10)) - 86_400_000).slice(0, 10) : local.slice(0, 10);
  return lastDate;
}

function rangeFor(parts: RruleParts, start: EventTime, startDate: string, recurrenceTimeZone: string): GraphRecurrenceRange | string {
  const count = parts.get('COUNT');
  const until = parts.get('UNTIL');
  const base = { startDate, recurrenceTimeZone };
  if (count !== undefined) {
    if (!/^[1-9]\d*$/.test(count)) return `COUNT=${count}`;
    return { ...base, type: 'numbered', numberOfOccurrences: Number(count) };
  }
  if (until !== undefined) {
    const endDate = endDateFor(until, start);
    if (!endDate) return `UNTIL=${until}`;
    if (endDate < startDate) return 'UNTIL before DTSTART';
    return { ...base, type: 'endDate', endDate };
  }
  return { ...base, type: 'noEnd' };
}

/**
 * The Outlook recurrence for a rule and its DTSTART, or the reason there is none.
 * @param recurrenceTimeZone the zone name Graph gets for the start (see `timeToGraph`).
 */
export function recurrenceToGraph(rrule: string, start: EventTime, recurrenceTimeZone: string): RecurrenceAnalysis {
  const parts = parseRrule(rrule);
  if (!parts) return fail(`not a valid RRULE: ${rrule}`);
  const verdict = draftFor(parts);
  if (!verdict.ok) return verdict;
  const startDate = dateOf(start);
  const pattern = completePattern(verdict.draft, Number(parts.get('INTERVAL') ?? '1'), startDate);
  if (typeof pattern === 'string') return fail(pattern);
  const range = rangeFor(parts, start, startDate, recurrenceTimeZone);
  if (typeof range === 'string') return fail(range);
  return { ok: true, recurrence: { pattern, range } };
}
