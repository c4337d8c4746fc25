/**
 * jCal (RFC 7265) as ical.js produces it, typed, plus the few helpers every codec file needs. The codec
 * works on jCal arrays directly rather than on ical.js `Component` objects: it is several times faster
 * and it is also the form unmodelled data is kept in (`Unmodelled` in event.ts).
 */
import ICAL from 'ical.js';

export type JCalParams = Record<string, string | string[]>;
/** `[name, params, type, ...values]`; a property without values is legal (an empty value). */
export type JCalProperty = [string, JCalParams, string, ...unknown[]];
/** `[name, properties, components]`. */
export type JCalComponent = [string, JCalProperty[], JCalComponent[]];

/**
 * Values ical.js cannot decode faithfully (`DTSTART:20220101` read as date-time, `RRULE:…;` with a
 * trailing semicolon, `SEQUENCE:01`) are kept as their raw text behind this marker instead of the
 * mangled value ical.js would produce, and written back byte for byte. The codec never models a
 * marked value (it fails every shape check), so it always travels verbatim in `extra`.
 */
export const RAW_MARKER = '\u0000raw\u0000';

interface ValueDesign {
  fromICAL?: (value: string, structured?: unknown) => unknown;
  toICAL?: (value: unknown, structured?: unknown) => string;
}

/**
 * A decoder that keeps the raw text whenever decoding would not re-encode to the same text. RRULE
 * parts have no canonical order, so for them the parts are compared as a set.
 */
function faithful(design: ValueDesign, unordered: boolean): ValueDesign {
  const from = design.fromICAL;
  const to = design.toICAL;
  if (!from || !to) return design;
  const same = unordered ? (a: string, b: string) => a === b || a.split(';').sort().join(';') === b.split(';').sort().join(';') : (a: string, b: string) => a === b;
  return {
    ...design,
    fromICAL(raw: string, structured?: unknown): unknown {
      try {
        const decoded = from(raw, structured);
        if (same(to(decoded, structured), raw)) return decoded;
      } catch {
        // Undecodable: kept raw below.
      }
      return `${RAW_MARKER}${raw}`;
    },
    toICAL(value: unknown, structured?: unknown): string {
      if (typeof value === 'string' && value.startsWith(RAW_MARKER)) return value.slice(RAW_MARKER.length);
      return to(value, structured);
    },
  };
}

function faithfulDesign(): typeof ICAL.design.icalendar {
  const base = ICAL.design.icalendar;
  const value: Record<string, unknown> = { ...base.value };
  const wrap = (type: string, unordered: boolean): void => {
    value[type] = faithful(base.value[type] as ValueDesign, unordered);
  };
  for (const type of ['date', 'date-time', 'period', 'time', 'utc-offset', 'integer', 'float', 'boolean']) wrap(type, false);
  wrap('recur', true);
  return { ...base, value } as typeof ICAL.design.icalendar;
}

const ICALENDAR = faithfulDesign();

interface ParserState {
  component: unknown[];
  stack: unknown[][];
  designSet: unknown;
}

type LineParser = {
  _eachLine(input: string, cb: (err: unknown, line: string) => void): void;
  _handleContentLine(line: string, state: ParserState): void;
};

/**
 * ICAL.parse with the faithful design set. ical.js picks a design set per component only when the
 * state has none, so presetting ours applies it everywhere without touching ical.js's globals.
 */
export function parseWithDesign(input: string): unknown {
  const root: unknown[] = [];
  const state: ParserState = { component: root, stack: [root], designSet: ICALENDAR };
  const parser = ICAL.parse as unknown as LineParser;
  parser._eachLine(input, (_err, line) => parser._handleContentLine(line, state));
  if (state.stack.length > 1) throw new Error('invalid ical body. component began but did not end');
  return root.length === 1 ? root[0] : root;
}

export function isJCalProperty(value: unknown): value is JCalProperty {
  return (
    Array.isArray(value) &&
    value.length >= 3 &&
    typeof value[0] === 'string' &&
    typeof value[1] === 'object' &&
    value[1] !== null &&
    !Array.isArray(value[1]) &&
    typeof value[2] === 'string'
  );
}

export function isJCalComponent(value: unknown): value is JCalComponent {
  return (
    Array.isArray(value) &&
    value.length === 3 &&
    typeof value[0] === 'string' &&
    Array.isArray(value[1]) &&
    value[1].every(isJCalProperty) &&
    Array.isArray(value[2]) &&
    value[2].every(isJCalComponent)
  );
}

/** One property as an unfolded content line (`NAME;PARAM=…:value`). */
export function propertyLine(prop: JCalProperty): string {
  return ICAL.stringify.property(prop, ICALENDAR, true);
}

/** The value part of a property as iCalendar text (e.g. an RRULE's `FREQ=…`). */
export function valueText(name: string, type: string, value: unknown): string {
  const line = propertyLine([name, {}, type, value]);
  return line.slice(line.indexOf(':') + 1);
}

/** Parses one unfolded content line into jCal with the iCalendar design (throws on bad input). */
export function parsePropertyLine(line: string): JCalProperty {
  return ICAL.parse.property(line, ICALENDAR) as JCalProperty;
}
