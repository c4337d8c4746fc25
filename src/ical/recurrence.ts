/**
 * Bounded recurrence expansion. Absurd rules are normal input for a calendar tool (COUNT=10^9,
 * FREQ=SECONDLY, BYSECOND floods, contradictions like BYMONTH=2;BYMONTHDAY=31 that ical.js would search
 * for ever), so every expansion stops at `max` occurrences and at an iteration budget that counts each
 * candidate ical.js examines — not just each occurrence it returns.
 *
 * Rules are expanded in the start's wall-clock time (RFC 5545: a zoned series keeps its local time
 * across DST changes); each occurrence keeps the start's form and zone.
 */
import ICAL from 'ical.js';
import type { CalendarEvent, EventOverride, EventTime } from '../model/event.js';
import { icalTimeFromLocalMs } from './ical-time.js';
import { ianaOf, localToMs, msToLocal, toInstantMs, utcToZoneLocalMs } from '../model/time.js';

export interface ExpandOptions {
  /** Window start (ms since the epoch, inclusive). */
  from: number;
  /** Window end (ms since the epoch, exclusive). */
  to: number;
  /** Most occurrences returned (default 1,000). */
  max?: number;
  /** Most recurrence candidates examined over all rules (default 50,000: about half a second of ical.js at worst). */
  budget?: number;
}

export interface Occurrence {
  /** The occurrence's original start (what a RECURRENCE-ID names). */
  recurrenceId: EventTime;
  start: EventTime;
  end?: EventTime;
  /** The override that replaces this occurrence, if any (it may be cancelled). */
  override?: EventOverride;
}

export interface Expansion {
  occurrences: Occurrence[];
  /** Set when the result is incomplete: `max` reached, budget spent, or a rule could not be read. */
  truncated?: 'max' | 'budget' | 'invalid-rule';
}

class BudgetSpent extends Error {}

const SLACK_MS = 36 * 3_600_000;

type IcalTime = InstanceType<typeof ICAL.Time>;

function toIcalTime(t: EventTime): IcalTime {
  const local = t.kind === 'date' ? `${t.date}T00:00:00` : t.kind === 'utc' ? msToLocal(toInstantMs(t)) : t.local;
  return icalTimeFromLocalMs(localToMs(local), t.kind === 'date');
}

/** A wall-clock ical.js time back in the form (and zone) of `like`. */
function fromIcalTime(t: IcalTime, like: EventTime): EventTime {
  const local = msToLocal(Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second));
  switch (like.kind) {
    case 'date':
      return { kind: 'date', date: local.slice(0, 10) };
    case 'utc':
      return { kind: 'utc', utc: `${local}Z` };
    case 'floating':
      return { kind: 'floating', local };
    case 'zoned':
      return { ...like, local };
  }
}

/** UNTIL in the start's wall-clock time, so a floating iteration compares like with like. */
function localUntil(rule: InstanceType<typeof ICAL.Recur>, start: EventTime): void {
  const until = rule.until;
  if (!until || until.isDate || until.zone !== ICAL.Timezone.utcTimezone || start.kind !== 'zoned') {
    if (until && !until.isDate) until.zone = ICAL.Timezone.localTimezone;
    return;
  }
  const iana = ianaOf(start);
  const utcMs = Date.UTC(until.year, until.month - 1, until.day, until.hour, until.minute, until.second);
  const local = new Date(iana ? utcToZoneLocalMs(iana, utcMs) : utcMs);
  rule.until = ICAL.Time.fromData({
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    second: local.getUTCSeconds(),
  });
}

/** Wall-clock ms of a time (UTC times: their instant). */
function wallMs(t: EventTime): number {
  return t.kind === 'date' ? localToMs(t.date) : t.kind === 'utc' ? toInstantMs(t) : localToMs(t.local);
}

/** The end of an occurrence starting at `start`, keeping the master's duration and end form. */
function endFor(master: CalendarEvent, start: EventTime): EventTime | undefined {
  const end = master.end;
  if (!end) return undefined;
  // Dates and floating times last a wall-clock span; instants an exact one.
  if (end.kind === 'date' || end.kind === 'floating') {
    const local = msToLocal(wallMs(start) + wallMs(end) - wallMs(master.start));
    return end.kind === 'date' ? { kind: 'date', date: local.slice(0, 10) } : { kind: 'floating', local };
  }
  const at = toInstantMs(start) + (toInstantMs(end) - toInstantMs(master.start));
  if (end.kind === 'utc') return { kind: 'utc', utc: `${msToLocal(at)}Z` };
  const iana = ianaOf(end);
  return { ...end, local: msToLocal(iana ? utcToZoneLocalMs(iana, at) : at) };
}

interface Budget {
  left: number;
}

/**
 * Start times of one RRULE in [from, to), at most `limit`, examining at most `budget.left` candidates.
 * Iteration always begins at DTSTART: occurrences before the window still count toward COUNT.
 */
function ruleStarts(text: string, start: EventTime, window: { from: number; to: number }, limit: number, budget: Budget): EventTime[] | 'invalid' {
  let rule: InstanceType<typeof ICAL.Recur>;
  try {
    rule = ICAL.Recur.fromString(text);
  } catch {
    return 'invalid';
  }
  localUntil(rule, start);
  const it = rule.iterator(toIcalTime(start)) as InstanceType<typeof ICAL.RecurIterator> & { check_contracting_rules(): boolean };
  const check = it.check_contracting_rules.bind(it);
  it.check_contracting_rules = (): boolean => {
    if (--budget.left < 0) throw new BudgetSpent();
    return check();
  };
  const out: EventTime[] = [];
  for (;;) {
    if (--budget.left < 0) throw new BudgetSpent();
    let next: IcalTime | null;
    try {
      next = it.next();
    } catch (err) {
      if (err instanceof BudgetSpent) throw err;
      return out; // ical.js refuses some degenerate rules mid-way ("same occurrence found twice").
    }
    if (!next) return out;
    // Wall clock and instant differ by under a day and a half, so far-off candidates skip the
    // (Intl-backed) instant computation.
    const wall = Date.UTC(next.year, next.month - 1, next.day, next.hour, next.minute, next.second);
    if (wall < window.from - SLACK_MS) continue;
    if (wall >= window.to + SLACK_MS) return out;
    const t = fromIcalTime(next, start);
    const at = toInstantMs(t);
    if (at >= window.to || out.length >= limit) return out;
    if (at >= window.from) out.push(t);
  }
}

function key(t: EventTime): string {
  return t.kind === 'date' ? `d${t.date}` : `i${toInstantMs(t)}`;
}

/** The occurrences of `event` starting in [from, to); see the module comment for the bounds. */
export function expandOccurrences(event: CalendarEvent, opts: ExpandOptions): Expansion {
  const max = Math.max(0, opts.max ?? 1_000);
  const budget: Budget = { left: opts.budget ?? 50_000 };
  const rec = event.recurrence;
  let truncated: Expansion['truncated'];
  const starts = new Map<string, EventTime>([[key(event.start), event.start]]);
  // One more than `max` per rule (plus what EXDATEs may remove) tells a full window from a cut one.
  const perRule = max + (rec?.exdates.length ?? 0) + 1;
  try {
    for (const text of rec?.rrules ?? []) {
      const found = ruleStarts(text, event.start, opts, perRule, budget);
      if (found === 'invalid') truncated = 'invalid-rule';
      else for (const t of found) starts.set(key(t), t);
    }
  } catch (err) {
    if (!(err instanceof BudgetSpent)) throw err;
    truncated = 'budget';
  }
  for (const t of rec?.rdates ?? []) starts.set(key(t), t);
  for (const t of rec?.exdates ?? []) starts.delete(key(t));
  const overrides = new Map(event.overrides.map((o) => [key(o.recurrenceId), o]));
  for (const [k, o] of overrides) if (!starts.has(k)) starts.set(k, o.recurrenceId);

  const occurrences: Occurrence[] = [];
  for (const [k, rid] of starts) {
    const o = overrides.get(k);
    const start = o ? o.start : rid;
    const at = toInstantMs(start);
    if (at < opts.from || at >= opts.to) continue;
    const occ: Occurrence = { recurrenceId: rid, start };
    const end = o ? o.end : endFor(event, rid);
    if (end) occ.end = end;
    if (o) occ.override = o;
    occurrences.push(occ);
  }
  occurrences.sort((a, b) => toInstantMs(a.start) - toInstantMs(b.start));
  if (occurrences.length > max) {
    occurrences.length = max;
    truncated ??= 'max';
  }
  return truncated ? { occurrences, truncated } : { occurrences };
}
