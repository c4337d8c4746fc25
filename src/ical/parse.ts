/**
 * iCalendar text → events grouped by UID. Tolerant where real data is sloppy (BOM, LF or CR line
 * ends, blank lines, several VCALENDARs in one file, components outside any VCALENDAR, DURATION
 * instead of DTEND, TZIDs in any dialect) and strict where guessing would corrupt data: text ical.js
 * cannot read is an `IcalParseError` naming the line; input over the size limit is `ICAL_TOO_LARGE`.
 *
 * Nothing is dropped. VEVENTs that cannot be modelled (no UID, no usable DTSTART, a second copy of the
 * same UID/RECURRENCE-ID) and every non-event component are returned verbatim in `components` with a
 * problem, so `serializeIcal(items, { calendar })` writes them back.
 */
import { IcalParseError } from '../errors.js';
import { registerZoneRules, resolveTzid } from '../model/timezones.js';
import { buildItem, safeInstant } from './build-item.js';
import type { Group } from './build-item.js';
import type { JCalComponent, JCalProperty } from './jcal.js';
import { parseWithDesign, valueText } from './jcal.js';
import { locateParseError, prepareInput } from './lines.js';
import type { IcalProblemCode, ParseOptions, ParsedCalendar } from './parsed.js';
import { readEvent } from './read-event.js';
import { zoneRulesFromVtimezone } from './vtimezone.js';
import { matchIanaZone } from './zone-match.js';

export type { IcalProblem, IcalProblemCode, ParseOptions, ParsedCalendar, ParsedItem } from './parsed.js';

function rruleText(value: unknown): string | undefined {
  try {
    return valueText('rrule', 'recur', value);
  } catch {
    return undefined;
  }
}

/**
 * Deepest component nesting accepted. Real data nests three deep (VCALENDAR > VEVENT > VALARM,
 * VCALENDAR > VTIMEZONE > STANDARD); ical.js builds the tree recursively, so thousands of nested
 * components would exhaust the stack. Deeper text is refused, naming the line.
 */
export const MAX_COMPONENT_DEPTH = 16;

const COMPONENT_LINE = /^(BEGIN|END):/gim;

/** Throws `IcalParseError` when components nest deeper than `MAX_COMPONENT_DEPTH`. */
function checkNesting(text: string): void {
  let depth = 0;
  COMPONENT_LINE.lastIndex = 0;
  for (let m = COMPONENT_LINE.exec(text); m !== null; m = COMPONENT_LINE.exec(text)) {
    depth = (m[1] ?? '').toUpperCase() === 'BEGIN' ? depth + 1 : Math.max(0, depth - 1);
    if (depth > MAX_COMPONENT_DEPTH) {
      const line = text.slice(0, m.index).split('\n').length;
      throw new IcalParseError(`components nested deeper than ${MAX_COMPONENT_DEPTH}`, line);
    }
  }
}

/** The raw jCal roots of (prepared) iCalendar text; throws `IcalParseError` naming the line. */
export function parseJcal(text: string): JCalComponent[] {
  checkNesting(text);
  let parsed: unknown;
  try {
    // Blank lines are not content lines; some writers put them between a line and its continuation.
    parsed = parseWithDesign(text.includes('\n\n') ? text.replace(/\n{2,}/g, '\n') : text);
  } catch (err) {
    throw locateParseError(text, err);
  }
  const roots = Array.isArray(parsed) && typeof parsed[0] === 'string' ? [parsed] : (parsed as unknown[]);
  if (roots.length === 0) throw new IcalParseError('no iCalendar component found', 1);
  // ical.js builds the tree itself, so its shape only needs checking at the top.
  if (!roots.every((r) => Array.isArray(r) && typeof r[0] === 'string' && Array.isArray(r[1]) && Array.isArray(r[2]))) {
    throw new IcalParseError('malformed component structure');
  }
  return roots as JCalComponent[];
}

class Collector {
  readonly groups = new Map<string, Group>();
  readonly result: ParsedCalendar = { items: [], timezones: new Map(), properties: [], components: [], problems: [] };
  /** IANA zones matched to this data's non-IANA VTIMEZONEs, by TZID. */
  private readonly matched = new Map<string, string>();
  readonly resolve = (tzid: string): string | undefined => resolveTzid(tzid) ?? this.matched.get(tzid);
  /** Texts of the properties kept, by name: compared only when a name repeats (rarely). */
  private readonly seenProps = new Map<string, string[] | undefined>();

  addProperty(p: JCalProperty): void {
    const name = p[0];
    if (this.seenProps.has(name)) {
      const seen = this.seenProps.get(name) ?? [JSON.stringify(this.result.properties.find((q) => q[0] === name))];
      const key = JSON.stringify(p);
      this.seenProps.set(name, seen);
      if (seen.includes(key)) return;
      seen.push(key);
    } else this.seenProps.set(name, undefined);
    this.result.properties.push(p);
  }

  addTimezone(vtz: JCalComponent): void {
    const tzidProp = vtz[1].find((p) => p[0] === 'tzid');
    const tzid = typeof tzidProp?.[3] === 'string' ? tzidProp[3] : undefined;
    if (tzid === undefined || this.result.timezones.has(tzid)) {
      this.result.components.push(vtz);
      if (tzid === undefined) this.problem('BAD_VTIMEZONE', 'VTIMEZONE without TZID kept verbatim');
      return;
    }
    this.result.timezones.set(tzid, vtz);
    // IANA-named zones compute through Intl (time.ts); only the others need the source's rules.
    if (resolveTzid(tzid) !== undefined) return;
    const rules = zoneRulesFromVtimezone(vtz);
    if (!rules) {
      this.problem('BAD_VTIMEZONE', `VTIMEZONE ${tzid} has no usable observances`);
      return;
    }
    registerZoneRules(tzid, rules);
    const iana = matchIanaZone(tzid, vtz);
    if (iana) this.matched.set(tzid, iana);
  }

  addEvent(comp: JCalComponent): void {
    const probe = readEvent(comp, rruleText, true, this.resolve);
    const uid = probe.uid;
    if (uid === undefined || probe.fields.start === undefined) {
      this.result.components.push(comp);
      this.problem('UNMODELLED_EVENT', `VEVENT without ${uid === undefined ? 'UID' : 'a usable DTSTART'} kept verbatim`, uid);
      return;
    }
    let group = this.groups.get(uid);
    if (!group) {
      group = { overrides: [] };
      this.groups.set(uid, group);
    }
    const read = probe.recurrenceId ? readEvent(comp, rruleText, false, this.resolve) : probe;
    const rid = read.recurrenceId;
    const duplicate = rid
      ? group.overrides.some((o) => safeInstant(o.recurrenceId) === safeInstant(rid) && o.recurrenceId.kind === rid.kind)
      : group.master !== undefined;
    if (duplicate) {
      this.result.components.push(comp);
      this.problem('DUPLICATE_EVENT', `second VEVENT for UID ${uid}${rid ? ' and the same RECURRENCE-ID' : ''} kept verbatim`, uid);
      return;
    }
    for (const cut of read.cuts) this.problem('FIELD_TRUNCATED', cut, uid);
    const hubId = read.calsync['x-calsync-hub-id'];
    if (hubId !== undefined) group.hubId ??= hubId;
    if (rid) group.overrides.push({ ...read, recurrenceId: rid });
    else group.master = read;
  }

  problem(code: IcalProblemCode, message: string, uid?: string): void {
    this.result.problems.push(uid === undefined ? { code, message } : { code, message, uid });
  }
}

const BEGIN_VTIMEZONE = 'BEGIN:VTIMEZONE\n';
const END_VTIMEZONE = '\nEND:VTIMEZONE';
const TZID_LINE = '\nTZID';

/**
 * The TZID of the VTIMEZONE in `input[at, end)` when it is written plainly — one TZID line, with no
 * parameters or escapes, not folded — else undefined.
 */
function plainTzid(input: string, at: number, end: number): string | undefined {
  const line = input.indexOf(TZID_LINE, at);
  if (line < 0 || line >= end || input.charCodeAt(line + TZID_LINE.length) !== 58 /* : */) return undefined;
  const again = input.indexOf(TZID_LINE, line + TZID_LINE.length);
  if (again >= 0 && again < end) return undefined;
  const valueEnd = input.indexOf('\n', line + 1);
  const next = input.charCodeAt(valueEnd + 1);
  if (next === 32 || next === 9) return undefined; // folded
  const value = input.slice(line + TZID_LINE.length + 1, valueEnd);
  return value.includes(';') || value.includes('\\') ? undefined : value;
}

/**
 * `input` without the VTIMEZONE blocks whose TZID names a zone `resolveTzid` knows (`skipKnownTimezones`).
 * For those `Collector.addTimezone` does nothing but remember the block, so the items come out the same.
 * Only plainly written blocks inside a VCALENDAR are cut (a line of their own each, one simple TZID
 * line, no nested VTIMEZONE); anything else — a stray block is a finding of its own — stays for ical.js.
 */
function dropKnownTimezones(input: string): string {
  let at = input.indexOf(BEGIN_VTIMEZONE);
  if (at < 0) return input;
  let out = '';
  let from = 0;
  while (at >= 0) {
    const end = input.indexOf(END_VTIMEZONE, at);
    if (end < 0) break;
    const after = end + END_VTIMEZONE.length;
    const lineEnd = input.charCodeAt(after) === 10 ? after + 1 : after === input.length ? after : -1;
    const nested = input.indexOf('BEGIN:VTIMEZONE', at + 1);
    const tzid = plainTzid(input, at, end);
    const cut =
      lineEnd >= 0 &&
      (at === 0 || input.charCodeAt(at - 1) === 10) &&
      (nested < 0 || nested > end) &&
      tzid !== undefined &&
      input.lastIndexOf('BEGIN:VCALENDAR', at) > input.lastIndexOf('END:VCALENDAR', at) &&
      resolveTzid(tzid) !== undefined;
    if (cut) {
      out += input.slice(from, at);
      from = lineEnd;
    }
    at = input.indexOf(BEGIN_VTIMEZONE, lineEnd >= 0 ? lineEnd : after);
  }
  return from === 0 ? input : out + input.slice(from);
}

/** Parses iCalendar text; see the module comment for what is tolerated and what is refused. */
export function parseIcal(text: string, opts: ParseOptions = {}): ParsedCalendar {
  const prepared = prepareInput(text, opts.maxBytes);
  const input = opts.skipKnownTimezones ? dropKnownTimezones(prepared) : prepared;
  const roots = parseJcal(input);
  const c = new Collector();
  const events: JCalComponent[] = [];
  const visit = (comp: JCalComponent): void => {
    if (comp[0] === 'vtimezone') c.addTimezone(comp);
    else if (comp[0] === 'vevent') events.push(comp);
    else c.result.components.push(comp);
  };
  for (const root of roots) {
    if (root[0] === 'vcalendar') {
      for (const p of root[1]) c.addProperty(p);
      for (const comp of root[2]) visit(comp);
    } else {
      c.problem('STRAY_COMPONENT', `${root[0].toUpperCase()} outside a VCALENDAR`);
      visit(root);
    }
  }
  // Events after every VTIMEZONE is registered, wherever the VTIMEZONEs stood in the file.
  for (const e of events) c.addEvent(e);
  for (const [uid, g] of c.groups) c.result.items.push(buildItem(uid, g, opts.inferKind, c.result.timezones));
  return c.result;
}
