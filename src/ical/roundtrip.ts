/**
 * The round-trip check behind `calsync corpus`: parse → serialize → parse, then everything the
 * original held must still be there, unchanged. Compared on the raw jCal of both texts (every
 * property with its parameters, value type and values; every sub-component, recursively; calendar
 * properties and non-event components) and on the model (modelled fields and the instant of every
 * start, end, RECURRENCE-ID, RDATE and EXDATE). Only things added by the writer (DTSTAMP, SEQUENCE:0,
 * generated VTIMEZONEs) are allowed to differ.
 */
import { stableStringify } from '../model/hash.js';
import type { CalendarEvent, EventTime } from '../model/event.js';
import { toInstantMs } from '../model/time.js';
import type { JCalComponent, JCalProperty } from './jcal.js';
import { prepareInput } from './lines.js';
import type { ParseOptions, ParsedCalendar } from './parse.js';
import { parseIcal, parseJcal } from './parse.js';
import { serializeIcal } from './serialize.js';

export interface RoundTrip {
  parsed: ParsedCalendar;
  output: string;
  reparsed: ParsedCalendar;
  /** Human-readable losses; empty when the round trip kept everything. */
  differences: string[];
}

/** Facts about one property, as comparable strings (multi-valued date lists split per value). */
function propertyFacts(p: JCalProperty): string[] {
  const [name, params, type, ...vals] = p;
  const sortedParams = Object.keys(params)
    .sort()
    .map((k) => [k, params[k]]);
  if ((name === 'rdate' || name === 'exdate') && vals.length > 1) {
    return vals.map((v) => stableStringify([name, sortedParams, type, v]));
  }
  const norm = name === 'organizer' || name === 'attendee' ? vals.map((v) => (typeof v === 'string' ? v.replace(/^mailto:/i, 'mailto:') : v)) : vals;
  return [stableStringify([name, sortedParams, type, ...norm])];
}

/** Facts of a component: its properties (categories merged) and its sub-components, canonicalized. */
function componentFacts(c: JCalComponent): string[] {
  const facts: string[] = [];
  const categories: unknown[] = [];
  for (const p of c[1]) {
    if (p[0] === 'categories' && Object.keys(p[1]).length === 0 && p[2] === 'text') categories.push(...p.slice(3));
    else facts.push(...propertyFacts(p));
  }
  if (categories.length > 0) facts.push(stableStringify(['categories', categories]));
  for (const sub of c[2]) facts.push(`${sub[0].toUpperCase()}${canonical(sub)}`);
  return facts;
}

function canonical(c: JCalComponent): string {
  return `{${componentFacts(c).sort().join('\n')}}`;
}

function keyOf(c: JCalComponent): string {
  const prop = (n: string): unknown => c[1].find((p) => p[0] === n)?.slice(1);
  if (c[0] === 'vtimezone') return `vtimezone|${stableStringify(prop('tzid'))}`;
  return `${c[0]}|${stableStringify(prop('uid') ?? null)}|${stableStringify(prop('recurrence-id') ?? null)}`;
}

/** Facts of `a` missing in `b` (multiset difference). */
function missing(a: string[], b: string[]): string[] {
  const counts = new Map<string, number>();
  for (const f of b) counts.set(f, (counts.get(f) ?? 0) + 1);
  const out: string[] = [];
  for (const f of a) {
    const n = counts.get(f) ?? 0;
    if (n > 0) counts.set(f, n - 1);
    else out.push(f);
  }
  return out;
}

interface Flat {
  properties: string[];
  components: JCalComponent[];
}

function flatten(roots: JCalComponent[]): Flat {
  const props = new Set<string>();
  const components: JCalComponent[] = [];
  for (const r of roots) {
    if (r[0] !== 'vcalendar') {
      components.push(r);
      continue;
    }
    for (const p of r[1]) for (const f of propertyFacts(p)) props.add(f);
    components.push(...r[2]);
  }
  return { properties: [...props], components };
}

/** Differences between the raw jCal of the original and of the round-tripped text. */
export function compareJcal(original: JCalComponent[], roundTripped: JCalComponent[]): string[] {
  const a = flatten(original);
  const b = flatten(roundTripped);
  const diffs = missing(a.properties, b.properties).map((f) => `calendar property lost or changed: ${f}`);
  const pool = new Map<string, { comp: JCalComponent; facts: string[] }[]>();
  for (const c of b.components) {
    const list = pool.get(keyOf(c)) ?? [];
    list.push({ comp: c, facts: componentFacts(c) });
    pool.set(keyOf(c), list);
  }
  for (const c of a.components) {
    const key = keyOf(c);
    // A component whose identifying properties were reordered (e.g. two RECURRENCE-IDs) is looked for
    // among all components of its kind: the check is about content, not about where the key sits.
    const exact = pool.get(key) ?? [];
    const candidates = exact.length > 0 ? exact : [...pool.entries()].filter(([k]) => k.startsWith(`${c[0]}|`)).flatMap(([, list]) => list);
    const facts = componentFacts(c);
    let best = -1;
    let bestMissing: string[] | undefined;
    candidates.forEach((cand, i) => {
      const m = missing(facts, cand.facts);
      if (!bestMissing || m.length < bestMissing.length) {
        best = i;
        bestMissing = m;
      }
    });
    if (best < 0 || !bestMissing) {
      diffs.push(`component lost: ${key}`);
      continue;
    }
    const chosen = candidates[best]!;
    for (const list of pool.values()) {
      const at = list.indexOf(chosen);
      if (at >= 0) list.splice(at, 1);
    }
    for (const f of bestMissing) diffs.push(`${key}: lost or changed ${f}`);
  }
  return diffs;
}

function timesOf(e: CalendarEvent): [string, EventTime | undefined][] {
  const out: [string, EventTime | undefined][] = [
    ['start', e.start],
    ['end', e.end],
  ];
  e.recurrence?.rdates.forEach((t, i) => out.push([`rdate[${i}]`, t]));
  e.recurrence?.exdates.forEach((t, i) => out.push([`exdate[${i}]`, t]));
  e.overrides.forEach((o, i) => out.push([`override[${i}].recurrenceId`, o.recurrenceId], [`override[${i}].start`, o.start], [`override[${i}].end`, o.end]));
  return out;
}

function instant(t: EventTime | undefined): string {
  return t === undefined ? '-' : `${t.kind}@${toInstantMs(t)}`;
}

/** Differences between the models of the two parses: modelled fields and every time's instant. */
export function compareModels(a: ParsedCalendar, b: ParsedCalendar): string[] {
  const diffs: string[] = [];
  const byUid = new Map(b.items.map((i) => [i.uid, i]));
  for (const item of a.items) {
    const other = byUid.get(item.uid);
    if (!other) {
      diffs.push(`event lost: ${item.uid}`);
      continue;
    }
    const { extra: _a, ...fieldsA } = item.event;
    const { extra: _b, ...fieldsB } = other.event;
    const strip = (e: typeof fieldsA): unknown => ({ ...e, overrides: e.overrides.map(({ extra: _x, ...o }) => o) });
    if (stableStringify(strip(fieldsA)) !== stableStringify(strip(fieldsB))) diffs.push(`${item.uid}: modelled fields changed`);
    const tb = new Map(timesOf(other.event));
    for (const [label, t] of timesOf(item.event)) {
      if (instant(t) !== instant(tb.get(label))) diffs.push(`${item.uid}: ${label} moved from ${instant(t)} to ${instant(tb.get(label))}`);
    }
    if (item.hubId !== other.hubId) diffs.push(`${item.uid}: hub id changed`);
  }
  return diffs;
}

/** Parses, serializes (with everything the parse returned) and parses again; see the module comment. */
export function roundTripIcal(text: string, opts: ParseOptions = {}): RoundTrip {
  return roundTripParsed(text, parseIcal(text, opts), opts);
}

/** The round trip for text already parsed into `parsed` (so callers can tell a rejection apart). */
export function roundTripParsed(text: string, parsed: ParsedCalendar, opts: ParseOptions = {}): RoundTrip {
  const output = serializeIcal(
    parsed.items.map((i) => i.event),
    { timezones: parsed.timezones, calendar: parsed, ...hubIdOption(parsed) },
  );
  const reparsed = parseIcal(output, opts);
  const original = parseJcal(prepareInput(text, opts.maxBytes));
  const differences = [...compareJcal(original, parseJcal(output)), ...compareModels(parsed, reparsed)];
  return { parsed, output, reparsed, differences };
}

/** A resource carries one hub id; round-trip it when the items agree on one. */
function hubIdOption(parsed: ParsedCalendar): { hubId?: string } {
  const ids = new Set(parsed.items.map((i) => i.hubId));
  const [only] = [...ids];
  return ids.size === 1 && only !== undefined ? { hubId: only } : {};
}
