/**
 * Readers for single property values of a VEVENT, used by read-event.ts: each returns the model value
 * only when the property has exactly the shape the writer reproduces, else undefined (and the caller
 * keeps the property verbatim).
 */
import type { Attendee, EventTime, Person } from '../model/event.js';
import type { JCalComponent, JCalParams, JCalProperty } from './jcal.js';
import { ATTENDEE_ROLE, PARTSTAT, invert } from './mappings.js';
import type { TzidResolver } from './times.js';
import { timeFromJcal } from './times.js';

const ROLE_IN = invert(ATTENDEE_ROLE);
const PARTSTAT_IN = invert(PARTSTAT);

/**
 * Unmodelled data in a canonical order: properties sorted by name (same-name properties keep their
 * order), recursively. Property order carries no meaning in iCalendar, and servers rewrite it (Radicale
 * reorders VALARM properties), so without this a server's copy would differ from ours in `extra` and
 * look like a change to every merge and hash.
 */
export function byName(props: JCalProperty[]): JCalProperty[] {
  return props
    .map((p, i) => [p, i] as const)
    .sort(([a, i], [b, j]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : i - j))
    .map(([p]) => p);
}

export function canonicalComponent(c: JCalComponent): JCalComponent {
  return [c[0], byName(c[1]), c[2].map(canonicalComponent)];
}

export class Reader {
  readonly seen = new Set<string>();
  readonly properties: JCalProperty[] = [];
  readonly params: Record<string, JCalParams> = {};
  readonly problems: string[] = [];

  keep(prop: JCalProperty): void {
    this.properties.push(prop);
  }

  /** Claims the first occurrence of a single-valued property; false for repeats. */
  claim(name: string): boolean {
    if (this.seen.has(name)) return false;
    this.seen.add(name);
    return true;
  }

  /** Records parameters the model does not hold (everything except `modelled`). */
  rest(key: string, params: JCalParams, modelled: readonly string[] = []): void {
    const left: JCalParams = {};
    let any = false;
    for (const [k, v] of Object.entries(params)) {
      if (modelled.includes(k)) continue;
      left[k] = v;
      any = true;
    }
    if (any) this.params[key] = left;
  }
}

export function textValue(prop: JCalProperty): string | undefined {
  return prop.length === 4 && prop[2] === 'text' && typeof prop[3] === 'string' ? prop[3] : undefined;
}

export function rawOrText(prop: JCalProperty): string | undefined {
  return prop.length === 4 && (prop[2] === 'unknown' || prop[2] === 'text') && typeof prop[3] === 'string' ? prop[3] : undefined;
}

export function utcInstant(prop: JCalProperty): string | undefined {
  const t = prop.length === 4 ? timeFromJcal(prop[2], prop[3], prop[1]) : undefined;
  return t?.kind === 'utc' && prop[1].tzid === undefined ? t.utc : undefined;
}

function mailto(prop: JCalProperty): string | undefined {
  const v = prop.length === 4 && prop[2] === 'cal-address' ? prop[3] : undefined;
  return typeof v === 'string' && /^mailto:/i.test(v) ? v.slice(7) : undefined;
}

/** A param value the model maps, only in the exact (upper-case, single) form the writer produces. */
function mapped<T>(params: JCalParams, name: string, table: ReadonlyMap<string, T>): T | undefined {
  const v = params[name];
  return typeof v === 'string' ? table.get(v) : undefined;
}

export function readPerson(prop: JCalProperty, r: Reader, key: string): Person | undefined {
  const email = mailto(prop);
  const cn = prop[1].cn;
  if (email === undefined || (cn !== undefined && typeof cn !== 'string')) return undefined;
  r.rest(key, prop[1], ['cn']);
  return cn === undefined ? { email } : { email, name: cn };
}

export function readAttendee(prop: JCalProperty, r: Reader, emails: Set<string>): Attendee | undefined {
  const email = mailto(prop);
  if (email === undefined || emails.has(email.toLowerCase())) return undefined;
  const cn = prop[1].cn;
  if (cn !== undefined && typeof cn !== 'string') return undefined;
  emails.add(email.toLowerCase());
  const p = prop[1];
  const role = mapped(p, 'role', ROLE_IN);
  const status = mapped(p, 'partstat', PARTSTAT_IN);
  const rsvp = p.rsvp === 'TRUE' ? true : p.rsvp === 'FALSE' ? false : undefined;
  // CUTYPE=RESOURCE without a ROLE is the model's "resource" role (Graph's attendee type).
  const resource = role === undefined && p.role === undefined && p.cutype === 'RESOURCE';
  const modelled = ['cn', ...(role ? ['role'] : []), ...(status ? ['partstat'] : []), ...(rsvp !== undefined ? ['rsvp'] : []), ...(resource ? ['cutype'] : [])];
  r.rest(`attendee:${email.toLowerCase()}`, p, modelled);
  const a: Attendee = { email };
  if (cn !== undefined) a.name = cn;
  if (role) a.role = role;
  else if (resource) a.role = 'resource';
  if (status) a.status = status;
  if (rsvp !== undefined) a.rsvp = rsvp;
  return a;
}

/** RDATE/EXDATE values as times, or undefined when any value is not a date/date-time (e.g. PERIOD). */
export function readTimes(prop: JCalProperty, resolve: TzidResolver | undefined): EventTime[] | undefined {
  const keys = Object.keys(prop[1]);
  if (keys.some((k) => k !== 'tzid')) return undefined;
  const out: EventTime[] = [];
  for (const v of prop.slice(3)) {
    const t = timeFromJcal(prop[2], v, prop[1], resolve);
    // A TZID on a UTC or date value is meaningless but must survive: keep such a list verbatim.
    if (!t || (prop[1].tzid !== undefined && t.kind !== 'zoned')) return undefined;
    out.push(t);
  }
  return out.length > 0 ? out : undefined;
}
