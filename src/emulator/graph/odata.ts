/**
 * The OData query options the emulator understands for events: `$select`, `$top`, `$skip`,
 * `$expand=singleValueExtendedProperties($filter=id eq '…')` and a `$filter` subset —
 * `singleValueExtendedProperties/any(ep: ep/id eq '…' and ep/value eq '…')`, `iCalUId eq '…'`,
 * `subject eq '…'`, `type eq '…'`, joined by `and`. Anything else is refused as Graph refuses a
 * filter it cannot run, rather than silently ignored.
 */
import { type GraphError, badRequest } from './graph-error.js';
import { occurrenceICalUId } from './ids.js';
import type { Instance } from './model.js';

export type Query = Record<string, string | undefined>;

const MAX_TOP = 1000;

const invalidFilter = (clause: string): GraphError => badRequest(`Invalid filter clause: '${clause}'.`);

const STRING = `'((?:[^']|'')*)'`;
const unquote = (s: string): string => s.replace(/''/g, "'");

/** A query parameter by name, case-insensitively (Graph accepts `startdatetime` as well). */
export function queryParam(q: Query, name: string): string | undefined {
  const exact = q[name];
  if (exact !== undefined) return exact;
  const lower = name.toLowerCase();
  const key = Object.keys(q).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : q[key];
}

export function parseSelect(q: Query): Set<string> | undefined {
  if (!q.$select) return undefined;
  return new Set(q.$select.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean));
}

export function parseIntParam(q: Query, name: '$top' | '$skip', fallback: number): number {
  const raw = q[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw badRequest(`Invalid value '${raw}' for query option '${name}'.`);
  // Outlook caps a page at 1,000 items whatever $top asks for.
  return name === '$top' ? Math.min(n, MAX_TOP) : n;
}

const ORDER_KEYS: Record<string, (i: Instance) => number | string> = {
  'start/datetime': (i) => i.times.startMs,
  'end/datetime': (i) => i.times.endMs,
  createddatetime: (i) => i.event.createdMs,
  lastmodifieddatetime: (i) => i.lastModifiedMs,
  subject: (i) => String(i.props.subject ?? ''),
};

/** `$orderby` over the properties clients sort events by; anything else is refused. */
export function parseOrderBy(q: Query): ((a: Instance, b: Instance) => number) | undefined {
  const raw = q.$orderby?.trim();
  if (!raw) return undefined;
  const keys = raw.split(',').map((part) => {
    const [name = '', dir = 'asc'] = part.trim().split(/\s+/);
    const key = ORDER_KEYS[name.toLowerCase()];
    if (!key || !['asc', 'desc'].includes(dir.toLowerCase())) throw badRequest(`Invalid $orderby clause: '${part.trim()}'.`);
    return { key, sign: dir.toLowerCase() === 'desc' ? -1 : 1 };
  });
  return (a, b) => {
    for (const { key, sign } of keys) {
      const x = key(a);
      const y = key(b);
      if (x !== y) return (x < y ? -1 : 1) * sign;
    }
    return 0;
  };
}

/** `odata.maxpagesize=N` from a Prefer header. */
export function preferredPageSize(prefer: string | undefined): number | undefined {
  const m = prefer ? /odata\.maxpagesize\s*=\s*(\d+)/i.exec(prefer) : null;
  return m?.[1] ? Math.max(1, Number(m[1])) : undefined;
}

function extendedPredicate(body: string, variable: string, clause: string): (props: Map<string, { id: string; value: string }>) => boolean {
  const parts = body.split(/\s+and\s+/i);
  let id: string | undefined;
  let value: string | undefined;
  for (const part of parts) {
    const m = new RegExp(`^${variable}/(id|value)\\s+eq\\s+${STRING}$`, 'i').exec(part.trim());
    if (!m?.[1] || m[2] === undefined) throw invalidFilter(clause);
    if (m[1].toLowerCase() === 'id') id = unquote(m[2]);
    else value = unquote(m[2]);
  }
  if (id === undefined) throw invalidFilter(clause);
  const wantedId = id.toLowerCase();
  return (props) => {
    const p = props.get(wantedId);
    return p !== undefined && (value === undefined || p.value === value);
  };
}

/** A predicate for `$filter`, or undefined when there is none. */
export function parseFilter(q: Query): ((i: Instance) => boolean) | undefined {
  const filter = q.$filter?.trim();
  if (!filter) return undefined;
  const clauses = splitTopLevelAnd(filter);
  const predicates = clauses.map((clause): ((i: Instance) => boolean) => {
    const any = /^singleValueExtendedProperties\/any\(\s*(\w+)\s*:\s*(.+)\)$/i.exec(clause);
    if (any?.[1] && any[2]) {
      const match = extendedPredicate(any[2], any[1], clause);
      return (i) => match(i.event.extended);
    }
    const eq = new RegExp(`^(iCalUId|subject|type)\\s+eq\\s+${STRING}$`, 'i').exec(clause);
    if (eq?.[1] && eq[2] !== undefined) {
      const value = unquote(eq[2]);
      switch (eq[1].toLowerCase()) {
        case 'icaluid':
          return (i) => (i.originalStartMs === null ? i.event.iCalUId : occurrenceICalUId(i.event.iCalUId, i.originalStartMs)) === value;
        case 'subject':
          return (i) => i.props.subject === value;
        default:
          return (i) => i.type === value;
      }
    }
    throw invalidFilter(clause);
  });
  return (i) => predicates.every((p) => p(i));
}

/** Split on `and` outside parentheses and string literals. */
function splitTopLevelAnd(filter: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < filter.length; i++) {
    const c = filter[i];
    if (c === "'") quoted = !quoted;
    else if (!quoted && c === '(') depth++;
    else if (!quoted && c === ')') depth--;
    else if (!quoted && depth === 0 && /^\sand\s/i.test(filter.slice(i, i + 5))) {
      out.push(filter.slice(start, i).trim());
      start = i + 5;
      i += 4;
    }
  }
  out.push(filter.slice(start).trim());
  return out;
}

/** `$expand=singleValueExtendedProperties($filter=id eq '…')` → which ids to include. */
export function parseExpand(q: Query): ((id: string) => boolean) | undefined {
  const expand = q.$expand?.trim();
  if (!expand) return undefined;
  const m = /^singleValueExtendedProperties(?:\(\s*\$filter\s*=\s*(.+)\))?$/i.exec(expand);
  if (!m) throw badRequest(`Parsing OData Select and Expand failed: Could not find a property named '${expand}' on type 'microsoft.graph.event'.`);
  if (!m[1]) return () => true;
  const ids = m[1].split(/\s+or\s+/i).map((part) => {
    const idm = new RegExp(`^id\\s+eq\\s+${STRING}$`, 'i').exec(part.trim());
    if (idm?.[1] === undefined) throw invalidFilter(m[1] ?? part);
    return unquote(idm[1]).toLowerCase();
  });
  return (id) => ids.includes(id.toLowerCase());
}
