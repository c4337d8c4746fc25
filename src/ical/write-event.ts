/**
 * The model → VEVENT jCal, the mirror of read-event.ts: modelled fields first, then the unmodelled
 * properties and sub-components from `extra` exactly as they were read.
 */
import { ValidationError } from '../errors.js';
import type { Attendee, CalendarEvent, EventFields, EventOverride, EventTime, Unmodelled } from '../model/event.js';
import { sameTime } from '../model/time.js';
import { addDuration, isDuration } from './duration.js';
import type { JCalComponent, JCalParams, JCalProperty } from './jcal.js';
import { parsePropertyLine } from './jcal.js';
import { ATTENDEE_ROLE, BUSY_STATUS, CLASS, PARTSTAT, STATUS, TRANSP } from './mappings.js';
import { readStash } from './stash.js';
import { timeToJcal } from './times.js';

/** A value safe to write raw (X- properties are written without TEXT escaping). */
// eslint-disable-next-line no-control-regex
const RAW_SAFE = /^[^\x00-\x1f\x7f]*$/;

/** TEXT can carry line feeds (escaped as \\n) but no carriage returns: CRLF and CR become LF. */
function text(value: string): string {
  return value.includes('\r') ? value.replace(/\r\n?/g, '\n') : value;
}

function params(extra: Unmodelled | undefined, key: string, own: JCalParams = {}): JCalParams {
  const kept = extra?.params?.[key] as JCalParams | undefined;
  return kept ? { ...kept, ...own } : own;
}

function timeProp(name: string, t: EventTime, extra: Unmodelled | undefined): JCalProperty {
  const j = timeToJcal(t);
  return [name, params(extra, name, j.tzid === undefined ? {} : { tzid: j.tzid }), j.type, j.value];
}

/** RDATE/EXDATE: one property per (value type, TZID), values in their original order. */
function timeListProps(name: string, times: readonly EventTime[]): JCalProperty[] {
  const groups = new Map<string, JCalProperty>();
  for (const t of times) {
    const j = timeToJcal(t);
    const key = `${j.type}\u0000${j.tzid ?? ''}`;
    let prop = groups.get(key);
    if (!prop) {
      prop = [name, j.tzid === undefined ? {} : { tzid: j.tzid }, j.type];
      groups.set(key, prop);
    }
    prop.push(j.value);
  }
  return [...groups.values()];
}

function attendeeProp(a: Attendee, extra: Unmodelled | undefined): JCalProperty {
  const own: JCalParams = {};
  if (a.name !== undefined) own.cn = a.name;
  if (a.role === 'resource') own.cutype = 'RESOURCE';
  else if (a.role) own.role = ATTENDEE_ROLE[a.role];
  if (a.status) own.partstat = PARTSTAT[a.status];
  if (a.rsvp !== undefined) own.rsvp = a.rsvp ? 'TRUE' : 'FALSE';
  return ['attendee', params(extra, `attendee:${a.email.toLowerCase()}`, own), 'cal-address', `mailto:${a.email}`];
}

function rruleProp(text: string): JCalProperty {
  try {
    const prop = parsePropertyLine(`RRULE:${text}`);
    if (prop[2] === 'recur' && typeof prop[3] === 'object' && prop[3] !== null) return prop;
  } catch {
    // Reported below with the rule named.
  }
  throw new ValidationError(`not an RRULE: ${JSON.stringify(text)}`, { rrule: text });
}

/** The end as written: DURATION kept verbatim while it still yields the model's end. */
function endProps(f: EventFields, kept: JCalProperty[]): JCalProperty[] {
  const durIndex = readStash(f.extra).endForm === 'duration' ? kept.findIndex((p) => p[0] === 'duration' && typeof p[3] === 'string' && isDuration(p[3])) : -1;
  const dur = durIndex >= 0 ? kept[durIndex] : undefined;
  if (dur && typeof dur[3] === 'string') {
    const implied = addDuration(f.start, dur[3]);
    if (implied ? sameTime(implied, f.end) : f.end === undefined) return [];
    kept.splice(durIndex, 1);
  }
  return f.end ? [timeProp('dtend', f.end, f.extra)] : [];
}

function rawProp(name: string, value: string): JCalProperty {
  return RAW_SAFE.test(value) ? [name, {}, 'unknown', value] : [name, {}, 'text', value];
}

/** The properties shared by masters and overrides. */
function fieldProps(f: EventFields, kept: JCalProperty[]): JCalProperty[] {
  const x = f.extra;
  const out: JCalProperty[] = [['summary', params(x, 'summary'), 'text', text(f.title)]];
  if (f.description !== undefined) out.push(['description', params(x, 'description'), 'text', text(f.description)]);
  if (f.location !== undefined) out.push(['location', params(x, 'location'), 'text', text(f.location)]);
  out.push(timeProp('dtstart', f.start, x), ...endProps(f, kept));
  if (f.status) out.push(['status', {}, 'text', STATUS[f.status]]);
  if (f.organizer) {
    const own: JCalParams = f.organizer.name === undefined ? {} : { cn: f.organizer.name };
    out.push(['organizer', params(x, 'organizer', own), 'cal-address', `mailto:${f.organizer.email}`]);
  }
  for (const a of f.attendees) out.push(attendeeProp(a, x));
  if (f.categories.length > 0) {
    const values = f.categories.map(text);
    // ical.js splits "a\\,b" at the escaped backslash's comma; such values go one per property.
    if (values.some((v) => /\\$/.test(v))) for (const v of values) out.push(['categories', {}, 'text', v]);
    else out.push(['categories', {}, 'text', ...values]);
  }
  if (f.transparency) out.push(['transp', {}, 'text', TRANSP[f.transparency]]);
  if (f.showAs) out.push(['x-microsoft-cdo-busystatus', {}, 'unknown', BUSY_STATUS[f.showAs]]);
  if (f.sensitivity) out.push(['class', {}, 'text', CLASS[f.sensitivity]]);
  // SEQUENCE is always written (0 is its default), unless an unmodellable one is kept verbatim.
  if (f.sequence !== 0 || !kept.some((p) => p[0] === 'sequence')) out.push(['sequence', params(x, 'sequence'), 'integer', f.sequence]);
  if (f.created) out.push(['created', params(x, 'created'), 'date-time', f.created]);
  if (f.lastModified) out.push(['last-modified', params(x, 'last-modified'), 'date-time', f.lastModified]);
  return out;
}

export interface WriteContext {
  /** DTSTAMP for events whose source had none (`YYYY-MM-DDTHH:mm:ssZ`). */
  dtstamp: string;
  hubId?: string;
}

function finish(head: JCalProperty[], f: EventFields, kept: JCalProperty[], ctx: WriteContext, withHubId: boolean): JCalComponent {
  const props = [...head, ...fieldProps(f, kept)];
  if (withHubId && ctx.hubId !== undefined) props.push(rawProp('x-calsync-hub-id', ctx.hubId));
  props.push(...kept);
  if (!kept.some((p) => p[0] === 'dtstamp')) props.splice(1, 0, ['dtstamp', {}, 'date-time', ctx.dtstamp]);
  return ['vevent', props, (f.extra?.components as JCalComponent[] | undefined) ?? []];
}

function keptProps(extra: Unmodelled | undefined): JCalProperty[] {
  return [...((extra?.properties as JCalProperty[] | undefined) ?? [])];
}

/** The master VEVENT (without its overrides). */
export function writeMaster(e: CalendarEvent, ctx: WriteContext): JCalComponent {
  const kept = keptProps(e.extra);
  const head: JCalProperty[] = [['uid', params(e.extra, 'uid'), 'text', e.uid]];
  const comp = finish(head, e, kept, ctx, true);
  const props = comp[1];
  const at = props.findIndex((p) => p[0] === 'sequence');
  const rec: JCalProperty[] = [];
  for (const text of e.recurrence?.rrules ?? []) rec.push(rruleProp(text));
  rec.push(...timeListProps('rdate', e.recurrence?.rdates ?? []), ...timeListProps('exdate', e.recurrence?.exdates ?? []));
  const w = e.wedding;
  if (w.kindSource === 'wedsync') rec.push(rawProp('x-calsync-kind', w.kind));
  if (w.weddingId !== undefined) rec.push(rawProp('x-calsync-wedding-id', w.weddingId));
  if (w.weddingDate !== undefined) rec.push(rawProp('x-calsync-wedding-date', w.weddingDate));
  if (w.emergency !== undefined) rec.push(rawProp('x-calsync-emergency', w.emergency ? 'TRUE' : 'FALSE'));
  props.splice(at, 0, ...rec);
  return comp;
}

/**
 * One override VEVENT: the master's UID plus RECURRENCE-ID. The hub id goes on overrides only when
 * there is no master to carry it.
 */
export function writeOverride(uid: string, o: EventOverride, ctx: WriteContext, masterless: boolean): JCalComponent {
  const kept = keptProps(o.extra);
  const head: JCalProperty[] = [['uid', params(o.extra, 'uid'), 'text', uid], timeProp('recurrence-id', o.recurrenceId, o.extra)];
  return finish(head, o, kept, ctx, masterless);
}
