/**
 * VTIMEZONE components: reading a source's own definitions (for TZIDs that name no IANA zone) and
 * writing one for an IANA zone.
 *
 * Written VTIMEZONEs are generated from the runtime's Intl time-zone data rather than from a bundled
 * database package: the model computes every instant through Intl (time.ts), so a VTIMEZONE generated
 * from the same data can never disagree with the instants calsync itself uses, and it adds no
 * dependency whose tz data would age separately from Node's.
 */
import ICAL from 'ical.js';
import type { ZoneRules } from '../model/timezones.js';
import { msToLocal, zoneOffsetMs } from '../model/time.js';
import { icalTimeFromLocalMs } from './ical-time.js';
import type { JCalComponent, JCalProperty } from './jcal.js';

const DAY_MS = 86_400_000;

/** Observance rules ical.js can expand quickly; anything else could make it iterate for ever. */
function safeObservances(vtz: JCalComponent): boolean {
  return vtz[2].every((obs) =>
    obs[1].every((p) => p[0] !== 'rrule' || (typeof p[3] === 'object' && p[3] !== null && ['YEARLY', 'MONTHLY'].includes(String((p[3] as { freq?: unknown }).freq)))),
  );
}

/** Offset rules from a source VTIMEZONE, or undefined when it cannot be used. */
export function zoneRulesFromVtimezone(vtz: JCalComponent): ZoneRules | undefined {
  if (!safeObservances(vtz) || !vtz[2].some((c) => c[0] === 'standard' || c[0] === 'daylight')) return undefined;
  let zone: InstanceType<typeof ICAL.Timezone>;
  try {
    zone = new ICAL.Timezone(new ICAL.Component(vtz));
  } catch {
    return undefined;
  }
  return {
    utcFromLocal(localMs: number): number {
      const t = icalTimeFromLocalMs(localMs, false, zone);
      const unix = t.toUnixTime();
      return Number.isFinite(unix) ? unix * 1000 : localMs;
    },
  };
}

interface Transition {
  /** UTC instant of the change. */
  at: number;
  from: number;
  to: number;
}

/** Offset changes of `iana` between two instants: weekly probes, then bisection to the second. */
export function transitions(iana: string, fromMs: number, toMs: number): Transition[] {
  const out: Transition[] = [];
  let t = fromMs;
  let off = zoneOffsetMs(iana, t);
  while (t < toMs) {
    const next = Math.min(t + 7 * DAY_MS, toMs);
    const nextOff = zoneOffsetMs(iana, next);
    if (nextOff !== off) {
      let lo = t;
      let hi = next;
      while (hi - lo > 1000) {
        const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
        if (zoneOffsetMs(iana, mid) === off) lo = mid;
        else hi = mid;
      }
      const to = zoneOffsetMs(iana, hi);
      out.push({ at: hi, from: off, to });
      off = to;
      // A second change inside the same week is found by probing again from the change itself.
      t = hi;
      continue;
    }
    t = next;
  }
  return out;
}

function utcOffset(ms: number): string {
  const sign = ms < 0 ? '-' : '+';
  const abs = Math.abs(ms) / 1000;
  const hh = String(Math.floor(abs / 3600)).padStart(2, '0');
  const mm = String(Math.floor((abs % 3600) / 60)).padStart(2, '0');
  const ss = abs % 60;
  return `${sign}${hh}:${mm}${ss ? `:${String(ss).padStart(2, '0')}` : ''}`;
}

const WEEKDAYS = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];

/** The yearly rule a transition follows (`BYMONTH=3;BYDAY=-1SU` style), as a comparable key. */
function yearlyRule(localMs: number): { month: number; byday: string; time: string } {
  const d = new Date(localMs);
  const day = d.getUTCDate();
  const daysInMonth = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  const nth = day + 7 > daysInMonth ? -1 : Math.ceil(day / 7);
  return { month: d.getUTCMonth() + 1, byday: `${nth}${WEEKDAYS[d.getUTCDay()]}`, time: msToLocal(localMs).slice(11) };
}

function observance(kind: 'standard' | 'daylight', start: string, from: number, to: number, rrule?: Record<string, unknown>): JCalComponent {
  const props: JCalProperty[] = [
    ['dtstart', {}, 'date-time', start],
    ['tzoffsetfrom', {}, 'utc-offset', utcOffset(from)],
    ['tzoffsetto', {}, 'utc-offset', utcOffset(to)],
  ];
  if (rrule) props.push(['rrule', {}, 'recur', rrule]);
  return [kind, props, []];
}

/**
 * A VTIMEZONE named `tzid` with the rules of IANA zone `iana` from `fromYear` through `toYear`. A yearly
 * pattern still in force at the end is written as an open RRULE, so later dates stay correct.
 */
export function generateVtimezone(tzid: string, iana: string, fromYear: number, toYear: number): JCalComponent {
  const from = Date.UTC(fromYear, 0, 1);
  const initial = zoneOffsetMs(iana, from);
  const obs: JCalComponent[] = [observance('standard', msToLocal(from), initial, initial)];
  // Changes with the same offsets (e.g. every spring-forward) form one series; within a series, changes
  // in consecutive years on the same yearly rule become one RRULE observance.
  const series = new Map<string, Transition[]>();
  for (const c of transitions(iana, from, Date.UTC(toYear + 1, 0, 1))) {
    const key = `${c.from}/${c.to}`;
    const list = series.get(key);
    if (list) list.push(c);
    else series.set(key, [c]);
  }
  for (const list of series.values()) {
    let runStart = 0;
    for (let k = 1; k <= list.length; k++) {
      const prev = list[k - 1]!;
      const cur = list[k];
      const continues =
        cur !== undefined &&
        new Date(cur.at).getUTCFullYear() === new Date(prev.at).getUTCFullYear() + 1 &&
        sameRule(yearlyRule(cur.at + cur.from), yearlyRule(list[runStart]!.at + list[runStart]!.from));
      if (continues) continue;
      obs.push(runObservance(list.slice(runStart, k), toYear));
      runStart = k;
    }
  }
  return ['vtimezone', [['tzid', {}, 'text', tzid], ['x-lic-location', {}, 'unknown', iana]], obs];
}

function sameRule(a: ReturnType<typeof yearlyRule>, b: ReturnType<typeof yearlyRule>): boolean {
  return a.month === b.month && a.byday === b.byday && a.time === b.time;
}

/** One observance for a run of yearly changes (a single change: no RRULE). */
function runObservance(run: Transition[], toYear: number): JCalComponent {
  const first = run[0]!;
  const last = run[run.length - 1]!;
  const kind = first.to > first.from ? 'daylight' : 'standard';
  const local = first.at + first.from;
  if (run.length === 1) return observance(kind, msToLocal(local), first.from, first.to);
  const rule = yearlyRule(local);
  const rrule: Record<string, unknown> = { freq: 'YEARLY', bymonth: rule.month, byday: rule.byday };
  // A rule still in force at the end of the range stays open, so later dates remain correct.
  if (new Date(last.at).getUTCFullYear() !== toYear) rrule.until = `${msToLocal(last.at)}Z`;
  return observance(kind, msToLocal(local), first.from, first.to, rrule);
}
