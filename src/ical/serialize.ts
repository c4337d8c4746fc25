/**
 * Events → one VCALENDAR. Every TZID used gets a VTIMEZONE: the caller's (the source's own, from
 * `ParsedCalendar.timezones`), else one kept with the event for a non-IANA zone, else one generated
 * from Intl for an IANA zone. Lines are CRLF-terminated and folded at 75 octets.
 */
import type { CalendarEvent, EventTime } from '../model/event.js';
import { resolveTzid } from '../model/timezones.js';
import type { Clock } from '../util/clock.js';
import { systemClock } from '../util/clock.js';
import type { JCalComponent, JCalProperty } from './jcal.js';
import { propertyLine } from './jcal.js';
import { foldLine } from './lines.js';
import { readStash } from './stash.js';
import { generateVtimezone } from './vtimezone.js';
import { writeMaster, writeOverride } from './write-event.js';

export const CALSYNC_PRODID = '-//calsync//calsync 0.1//EN';

export interface SerializeOptions {
  /** Written as X-CALSYNC-HUB-ID on the master (or on every override of a masterless event). */
  hubId?: string;
  /** VTIMEZONEs to write, by TZID (typically `ParsedCalendar.timezones` of the resource's source). */
  timezones?: ReadonlyMap<string, JCalComponent>;
  /** Calendar-level properties and verbatim components (from `ParsedCalendar`) to write back. */
  calendar?: { properties?: readonly JCalProperty[]; components?: readonly JCalComponent[] };
  /** DTSTAMP for events whose source had none (default: the system clock). */
  clock?: Clock;
}

function writeComponent(comp: JCalComponent, out: string[]): void {
  const name = comp[0].toUpperCase();
  out.push(`BEGIN:${name}`);
  for (const p of comp[1]) out.push(foldLine(propertyLine(p)));
  for (const c of comp[2]) writeComponent(c, out);
  out.push(`END:${name}`);
}

/** TZIDs used anywhere in the components, with the years their values fall in. */
function zoneUse(comps: readonly JCalComponent[], acc = new Map<string, { min: number; max: number }>()): Map<string, { min: number; max: number }> {
  for (const comp of comps) {
    for (const p of comp[1]) {
      const tzid = p[1].tzid;
      if (typeof tzid !== 'string') continue;
      const use = acc.get(tzid) ?? { min: Infinity, max: -Infinity };
      for (const v of p.slice(3)) {
        const year = typeof v === 'string' ? Number(v.slice(0, 4)) : NaN;
        if (Number.isFinite(year)) {
          use.min = Math.min(use.min, year);
          use.max = Math.max(use.max, year);
        }
      }
      acc.set(tzid, use);
    }
    zoneUse(comp[2], acc);
  }
  return acc;
}

const generated = new Map<string, JCalComponent>();

function generatedZone(tzid: string, iana: string, from: number, to: number): JCalComponent {
  const key = `${tzid}\u0000${iana}\u0000${from}\u0000${to}`;
  let vtz = generated.get(key);
  if (!vtz) {
    vtz = generateVtimezone(tzid, iana, from, to);
    if (generated.size > 2_000) generated.clear();
    generated.set(key, vtz);
  }
  return vtz;
}

function zonedTimes(e: CalendarEvent): (EventTime & { kind: 'zoned' })[] {
  const all: (EventTime | undefined)[] = [e.start, e.end, ...(e.recurrence?.rdates ?? []), ...(e.recurrence?.exdates ?? [])];
  for (const o of e.overrides) all.push(o.start, o.end, o.recurrenceId);
  return all.filter((t): t is EventTime & { kind: 'zoned' } => t?.kind === 'zoned');
}

/** Serializes events (each master with its overrides) into one VCALENDAR. */
export function serializeIcal(events: readonly CalendarEvent[], opts: SerializeOptions = {}): string {
  const now = new Date((opts.clock ?? systemClock).now());
  const ctx = { dtstamp: `${now.toISOString().slice(0, 19)}Z`, ...(opts.hubId === undefined ? {} : { hubId: opts.hubId }) };
  const vevents: JCalComponent[] = [];
  const stashed = new Map<string, JCalComponent>();
  const ianaByTzid = new Map<string, string>();
  for (const e of events) {
    for (const t of zonedTimes(e)) if (t.iana) ianaByTzid.set(t.tzid, t.iana);
    const stash = readStash(e.extra);
    if (!stash.masterless) vevents.push(writeMaster(e, ctx));
    for (const o of e.overrides) vevents.push(writeOverride(e.uid, o, ctx, stash.masterless === true));
    for (const vtz of stash.timezones ?? []) {
      const tzid = vtz[1].find((p) => p[0] === 'tzid')?.[3];
      if (typeof tzid === 'string' && !stashed.has(tzid)) stashed.set(tzid, vtz);
    }
  }
  const passthrough = opts.calendar?.components ?? [];
  const zones = new Map(opts.timezones ?? []);
  for (const [tzid, use] of zoneUse([...vevents, ...passthrough])) {
    if (zones.has(tzid)) continue;
    const kept = stashed.get(tzid);
    const iana = kept ? undefined : (resolveTzid(tzid) ?? ianaByTzid.get(tzid));
    if (kept) zones.set(tzid, kept);
    else if (iana && iana !== 'UTC') {
      const from = Number.isFinite(use.min) ? use.min - 1 : new Date(now).getUTCFullYear();
      const to = Number.isFinite(use.max) ? Math.max(use.max + 1, from + 1) : from + 1;
      zones.set(tzid, generatedZone(tzid, iana, Math.max(1900, from), Math.min(2200, to)));
    } else if (iana === 'UTC') {
      zones.set(tzid, ['vtimezone', [['tzid', {}, 'text', tzid]], [['standard', [['dtstart', {}, 'date-time', '1970-01-01T00:00:00'], ['tzoffsetfrom', {}, 'utc-offset', '+00:00'], ['tzoffsetto', {}, 'utc-offset', '+00:00']], []]]]);
    }
  }

  const props = [...(opts.calendar?.properties ?? [])];
  if (!props.some((p) => p[0] === 'prodid')) props.unshift(['prodid', {}, 'text', CALSYNC_PRODID]);
  if (!props.some((p) => p[0] === 'version')) props.unshift(['version', {}, 'text', '2.0']);
  const out: string[] = [];
  writeComponent(['vcalendar', props, [...zones.values(), ...vevents, ...passthrough]], out);
  return `${out.join('\r\n')}\r\n`;
}
