/**
 * One UID's VEVENTs → a `ParsedItem`: the master with its overrides (or a synthetic master for a
 * resource with overrides only), wedding fields, the VTIMEZONEs of non-IANA zones kept with the event,
 * and the problems found.
 */
import type { CalendarEvent, EventKind, EventOverride, EventTime, WeddingFields } from '../model/event.js';
import { EVENT_KINDS, classify } from '../model/priority.js';
import { toInstantMs } from '../model/time.js';
import { registeredZoneRules, resolveTzid } from '../model/timezones.js';
import type { JCalComponent } from './jcal.js';
import type { IcalProblem, ParseOptions, ParsedItem } from './parsed.js';
import type { ReadEvent } from './read-event.js';
import { withStash } from './stash.js';

function weddingFrom(read: ReadEvent): WeddingFields | undefined {
  const c = read.calsync;
  const kind = c['x-calsync-kind'];
  const known = kind !== undefined && (EVENT_KINDS as readonly string[]).includes(kind);
  if (!known && c['x-calsync-wedding-id'] === undefined && c['x-calsync-wedding-date'] === undefined && c['x-calsync-emergency'] === undefined) {
    return undefined;
  }
  const w: WeddingFields = known ? { kind: kind as EventKind, kindSource: 'wedsync' } : { kind: 'other', kindSource: 'inferred' };
  if (c['x-calsync-wedding-id'] !== undefined) w.weddingId = c['x-calsync-wedding-id'];
  if (c['x-calsync-wedding-date'] !== undefined) w.weddingDate = c['x-calsync-wedding-date'];
  if (c['x-calsync-emergency'] !== undefined) w.emergency = c['x-calsync-emergency'] === 'TRUE';
  return w;
}

/** The event's zoned times whose TZID is not an IANA name (whether or not a zone was matched). */
function nonIanaZones(e: CalendarEvent): Map<string, EventTime & { kind: 'zoned' }> {
  const times: (EventTime | undefined)[] = [e.start, e.end, ...(e.recurrence?.rdates ?? []), ...(e.recurrence?.exdates ?? [])];
  for (const o of e.overrides) times.push(o.start, o.end, o.recurrenceId);
  const out = new Map<string, EventTime & { kind: 'zoned' }>();
  for (const t of times) if (t?.kind === 'zoned' && resolveTzid(t.tzid) === undefined) out.set(t.tzid, t);
  return out;
}

export interface Group {
  master?: ReadEvent;
  overrides: (ReadEvent & { recurrenceId: EventTime })[];
  hubId?: string;
}

export function safeInstant(t: EventTime): number {
  return toInstantMs(t);
}

function toOverride(o: ReadEvent & { recurrenceId: EventTime }): EventOverride {
  return { ...o.fields, recurrenceId: o.recurrenceId };
}

export function buildItem(uid: string, g: Group, infer: ParseOptions['inferKind'], timezones: ReadonlyMap<string, JCalComponent>): ParsedItem {
  const problems: IcalProblem[] = [];
  const overrides = g.overrides.map(toOverride).sort((a, b) => safeInstant(a.recurrenceId) - safeInstant(b.recurrenceId));
  let event: CalendarEvent;
  const masterless = g.master === undefined;
  if (g.master) {
    const m = g.master;
    const base = { ...m.fields, uid, overrides };
    const wedding = weddingFrom(m);
    event = { ...base, wedding: classify(wedding ? { ...base, wedding } : base, infer) };
    if (m.recurrence) event.recurrence = m.recurrence;
  } else {
    const first = overrides[0]!;
    const { recurrenceId: _rid, extra: _extra, ...fields } = first;
    const base = { ...fields, uid, overrides };
    event = { ...base, wedding: classify(base, infer) };
    problems.push({ code: 'MASTERLESS', message: `UID ${uid} has overrides but no master`, uid });
  }
  const own: JCalComponent[] = [];
  // Their definitions travel with the event: the source's VTIMEZONE is the only full account of them.
  for (const [tzid, t] of nonIanaZones(event)) {
    const vtz = timezones.get(tzid);
    if (vtz) own.push(vtz);
    if (!t.iana && !registeredZoneRules(tzid)) {
      problems.push({ code: 'UNKNOWN_TZID', message: `unknown time zone ${JSON.stringify(tzid)} (kept, computed as UTC)`, uid });
    }
  }
  if (masterless || own.length > 0) {
    const extra = withStash(event.extra, { ...(masterless ? { masterless: true } : {}), ...(own.length > 0 ? { timezones: own } : {}) });
    if (extra) event.extra = extra;
  }
  const item: ParsedItem = { uid, event, masterless, problems };
  if (g.hubId !== undefined) item.hubId = g.hubId;
  return item;
}
