/**
 * One VEVENT (jCal) → the model's fields. Each modelled property is read only when it has exactly the
 * shape the writer reproduces; anything else — unknown properties, a second SUMMARY, a value in an
 * unexpected case or type, unknown parameters — is kept verbatim in `extra`, so writing the event back
 * loses nothing (see write-event.ts for the mirror image).
 */
import { capTextFields } from '../model/limits.js';
import { EVENT_KINDS } from '../model/priority.js';
import type { Attendee, EventFields, EventTime, Recurrence, Unmodelled } from '../model/event.js';
import { addDuration, isDuration } from './duration.js';
import type { JCalComponent } from './jcal.js';
import { BUSY_STATUS, CLASS, STATUS, TRANSP, invert } from './mappings.js';
import { Reader, byName, canonicalComponent, rawOrText, readAttendee, readPerson, readTimes, textValue, utcInstant } from './read-values.js';
import { withStash } from './stash.js';
import type { TzidResolver } from './times.js';
import { timeFromJcal } from './times.js';

/** Everything read from one VEVENT; `uid`/`recurrenceId`/`recurrence` decide where it belongs. */
export interface ReadEvent {
  uid?: string;
  recurrenceId?: EventTime;
  recurrence?: Recurrence;
  fields: EventFields;
  /** Raw X-CALSYNC-* values of a master (wedding fields and the hub id), interpreted by the parser. */
  calsync: Record<string, string>;
  problems: string[];
  /** Text fields cut to the model's limits (`model/limits.ts`), one message each. */
  cuts: string[];
}

const STATUS_IN = invert(STATUS);
const TRANSP_IN = invert(TRANSP);
const BUSY_IN = invert(BUSY_STATUS);
const CLASS_IN = invert(CLASS);

/** calsync's own properties, each with the values the writer produces (others are kept verbatim). */
const CALSYNC_PROPS: ReadonlyMap<string, (v: string) => boolean> = new Map([
  ['x-calsync-kind', (v: string) => (EVENT_KINDS as readonly string[]).includes(v)],
  ['x-calsync-wedding-id', () => true],
  ['x-calsync-wedding-date', (v: string) => /^\d{4}-\d{2}-\d{2}$/.test(v)],
  ['x-calsync-emergency', (v: string) => v === 'TRUE' || v === 'FALSE'],
  ['x-calsync-hub-id', (v: string) => v !== ''],
]);

/**
 * Reads one VEVENT. `rruleText` turns a jCal RRULE value into its text form; `master` says whether
 * recurrence and wedding fields are modelled; `resolve` maps TZIDs to IANA zones.
 */
export function readEvent(comp: JCalComponent, rruleText: (value: unknown) => string | undefined, master: boolean, resolve?: TzidResolver): ReadEvent {
  const r = new Reader();
  const f: Partial<EventFields> & { attendees: Attendee[]; categories: string[] } = { attendees: [], categories: [], sequence: 0 };
  const out: ReadEvent = { fields: f as EventFields, calsync: {}, problems: r.problems, cuts: [] };
  const rec: Recurrence = { rrules: [], rdates: [], exdates: [] };
  const emails = new Set<string>();
  let duration: string | undefined;

  for (const prop of comp[1]) {
    const [name, params] = prop;
    let used = false;
    switch (name) {
      case 'uid': {
        const v = textValue(prop);
        if (v && r.claim(name)) {
          out.uid = v;
          r.rest(name, params);
          used = true;
        }
        break;
      }
      case 'summary':
      case 'description':
      case 'location': {
        const v = textValue(prop);
        if (v !== undefined && r.claim(name)) {
          if (name === 'summary') f.title = v;
          else f[name] = v;
          r.rest(name, params);
          used = true;
        }
        break;
      }
      case 'dtstart':
      case 'dtend':
      case 'recurrence-id': {
        const t = prop.length === 4 ? timeFromJcal(prop[2], prop[3], params, resolve) : undefined;
        if (t && r.claim(name)) {
          if (name === 'dtstart') f.start = t;
          else if (name === 'dtend') f.end = t;
          else out.recurrenceId = t;
          r.rest(name, params, t.kind === 'zoned' ? ['tzid'] : []);
          used = true;
        }
        break;
      }
      case 'duration':
        // Kept verbatim; the writer emits it again while the end it implies is unchanged.
        if (prop.length === 4 && typeof prop[3] === 'string' && isDuration(prop[3]) && duration === undefined) duration = prop[3];
        break;
      case 'status':
      case 'transp':
      case 'class':
      case 'x-microsoft-cdo-busystatus': {
        const raw = name === 'x-microsoft-cdo-busystatus' ? rawOrText(prop) : textValue(prop);
        const table = name === 'status' ? STATUS_IN : name === 'transp' ? TRANSP_IN : name === 'class' ? CLASS_IN : BUSY_IN;
        const v = raw === undefined ? undefined : table.get(raw);
        if (v !== undefined && Object.keys(params).length === 0 && r.claim(name)) {
          if (name === 'status') f.status = v as EventFields['status'];
          else if (name === 'transp') f.transparency = v as EventFields['transparency'];
          else if (name === 'class') f.sensitivity = v as EventFields['sensitivity'];
          else f.showAs = v as EventFields['showAs'];
          used = true;
        }
        break;
      }
      case 'sequence': {
        const v = prop[3];
        if (prop.length === 4 && prop[2] === 'integer' && typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && r.claim(name)) {
          f.sequence = v;
          r.rest(name, params);
          used = true;
        }
        break;
      }
      case 'created':
      case 'last-modified': {
        const v = utcInstant(prop);
        if (v && r.claim(name)) {
          if (name === 'created') f.created = v;
          else f.lastModified = v;
          r.rest(name, params);
          used = true;
        }
        break;
      }
      case 'organizer': {
        const p = r.seen.has(name) ? undefined : readPerson(prop, r, name);
        if (p && r.claim(name)) {
          f.organizer = p;
          used = true;
        }
        break;
      }
      case 'attendee': {
        const a = readAttendee(prop, r, emails);
        if (a) {
          f.attendees.push(a);
          used = true;
        }
        break;
      }
      case 'categories':
        if (prop[2] === 'text' && Object.keys(params).length === 0 && prop.slice(3).every((v) => typeof v === 'string')) {
          f.categories.push(...(prop.slice(3) as string[]));
          used = true;
        }
        break;
      case 'rrule': {
        // Recurrence belongs to masters; on an override it is kept verbatim.
        const decoded = prop.length === 4 && prop[2] === 'recur' && typeof prop[3] === 'object' && prop[3] !== null;
        const text = master && decoded && Object.keys(params).length === 0 ? rruleText(prop[3]) : undefined;
        if (text) {
          rec.rrules.push(text);
          used = true;
        }
        break;
      }
      case 'rdate':
      case 'exdate': {
        const times = master ? readTimes(prop, resolve) : undefined;
        if (times) {
          (name === 'rdate' ? rec.rdates : rec.exdates).push(...times);
          used = true;
        }
        break;
      }
      default:
        // Wedding fields belong to masters; an override's copies stay verbatim. The hub id marks both.
        if (CALSYNC_PROPS.has(name) && (master || name === 'x-calsync-hub-id')) {
          const v = rawOrText(prop);
          const valid = CALSYNC_PROPS.get(name);
          if (v !== undefined && valid?.(v) && Object.keys(params).length === 0 && !(name in out.calsync)) {
            out.calsync[name] = v;
            used = true;
          }
        }
    }
    if (!used) r.keep(prop);
  }

  if (f.title === undefined) f.title = '';
  out.cuts = capTextFields(f, { title: 'SUMMARY', location: 'LOCATION', description: 'DESCRIPTION' });
  let endFromDuration = false;
  if (duration !== undefined && f.start && !f.end) {
    const end = addDuration(f.start, duration);
    if (end) {
      f.end = end;
      endFromDuration = true;
    }
  }
  if (rec.rrules.length + rec.rdates.length + rec.exdates.length > 0) out.recurrence = rec;

  const extra: Unmodelled = {};
  if (r.properties.length > 0) extra.properties = byName(r.properties);
  if (comp[2].length > 0) extra.components = comp[2].map(canonicalComponent);
  if (Object.keys(r.params).length > 0) extra.params = r.params;
  const withEndForm = endFromDuration ? withStash(extra, { endForm: 'duration' }) : extra;
  if (withEndForm && (withEndForm.properties || withEndForm.components || withEndForm.params || withEndForm.provider)) f.extra = withEndForm;
  return out;
}
