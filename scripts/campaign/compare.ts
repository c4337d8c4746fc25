/**
 * The verdict: hub, Outlook and CalDAV compared item by item with what the campaign knows each event
 * must be. Every field has one owner (event-view.ts), so each final value is known exactly:
 * - lost: an event missing on a side;
 * - duplicated: more than one item of an event on a side, or an item that is no campaign event at all;
 * - altered: an item whose title, location, description or times differ from the last write of the
 *   field's owner (or that cannot be read);
 * - spurious conflicts: every conflict calsync recorded (no two sides ever edit the same field) —
 *   except the settled records of a create calsync repeated after its answer was lost
 *   (`sync:create-unsure`: the event was kept, and why is on record), counted apart as `recreated`.
 * Pure: the snapshot is taken by the caller.
 */
import type { ConflictJson } from './hub-client.js';
import { FIELDS, SIDES, keyFromView, norm, type EventView, type Field, type Side } from './event-view.js';

export interface Expected {
  key: string;
  title: string;
  location: string;
  description: string;
  startMs: number;
  endMs: number;
  /** Where it was created (for the report). */
  origin: Side;
  /** Other acceptable values of a field whose last write has an unknown outcome. */
  also?: Partial<Record<Field, string[]>>;
}

export interface Snapshot {
  views: Record<Side, EventView[]>;
  /** Items a side holds that could not be read (CalDAV resources that do not parse). */
  unreadable: { side: Side; ref: string; error: string }[];
  conflicts: ConflictJson[];
}

export interface Lost {
  key: string;
  sides: Side[];
  origin: Side;
}
export interface Duplicated {
  key: string | undefined;
  side: Side;
  refs: string[];
  /** For a stranger: what it holds. */
  title?: string;
}
export interface Altered {
  key: string;
  side: Side;
  ref: string;
  field: Field | 'start' | 'end' | 'unreadable';
  expected: string;
  actual: string;
}
export interface Spurious {
  id: string;
  calendarId: string;
  key: string | undefined;
  type: string;
  fields: string[];
  status: string;
  hub: Record<string, string | undefined>;
  remote: Record<string, string | undefined>;
  base: Record<string, string | undefined>;
}

export interface Verdict {
  events: number;
  lost: Lost[];
  duplicated: Duplicated[];
  altered: Altered[];
  spurious: Spurious[];
  /** Settled records of creates repeated after a lost answer (not conflicts anyone must answer). */
  recreated: number;
  /** Distinct events with at least one altered value. */
  alteredEvents: number;
  clean: boolean;
}

const iso = (ms: number): string => (Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms));

export function compare(expected: ReadonlyMap<string, Expected>, snap: Snapshot): Verdict {
  const lost: Lost[] = [];
  const duplicated: Duplicated[] = [];
  const altered: Altered[] = [];
  const bySide = new Map<Side, Map<string, EventView[]>>();
  for (const side of SIDES) {
    const byKey = new Map<string, EventView[]>();
    for (const v of snap.views[side]) {
      const key = keyFromView(v);
      if (key === undefined || !expected.has(key)) {
        duplicated.push({ key, side, refs: [v.ref], title: v.title });
        continue;
      }
      byKey.set(key, [...(byKey.get(key) ?? []), v]);
    }
    bySide.set(side, byKey);
  }
  for (const u of snap.unreadable) altered.push({ key: '?', side: u.side, ref: u.ref, field: 'unreadable', expected: 'a readable event', actual: u.error });

  for (const exp of expected.values()) {
    const missing: Side[] = [];
    for (const side of SIDES) {
      const items = bySide.get(side)?.get(exp.key) ?? [];
      if (items.length === 0) {
        missing.push(side);
        continue;
      }
      if (items.length > 1) duplicated.push({ key: exp.key, side, refs: items.map((i) => i.ref) });
      for (const item of items) {
        for (const field of FIELDS) {
          const ok = norm(item[field]) === norm(exp[field]) || (exp.also?.[field] ?? []).some((a) => norm(a) === norm(item[field]));
          if (!ok) altered.push({ key: exp.key, side, ref: item.ref, field, expected: exp[field], actual: item[field] });
        }
        if (item.startMs !== exp.startMs) altered.push({ key: exp.key, side, ref: item.ref, field: 'start', expected: iso(exp.startMs), actual: iso(item.startMs) });
        if (item.endMs !== exp.endMs) altered.push({ key: exp.key, side, ref: item.ref, field: 'end', expected: iso(exp.endMs), actual: iso(item.endMs) });
      }
    }
    if (missing.length > 0) lost.push({ key: exp.key, sides: missing, origin: exp.origin });
  }

  const hubKey = new Map<string, string | undefined>();
  for (const v of snap.views.hub) hubKey.set(v.ref, keyFromView(v));
  const pick = (e: ConflictJson['hub']): Record<string, string | undefined> => ({ title: e?.title, location: e?.location, description: e?.description });
  const doubt = (c: ConflictJson): boolean => c.status === 'resolved' && c.resolution?.by === 'sync:create-unsure';
  const recreated = snap.conflicts.filter(doubt).length;
  const spurious = snap.conflicts.filter((c) => !doubt(c)).map((c) => ({ id: c.id, calendarId: c.calendarId, key: hubKey.get(c.hubEventId), type: c.type, fields: c.fields, status: c.status, hub: pick(c.hub), remote: pick(c.remote), base: pick(c.base) }));

  const alteredEvents = new Set(altered.map((a) => `${a.key}`)).size;
  return { events: expected.size, lost, duplicated, altered, spurious, recreated, alteredEvents, clean: lost.length + duplicated.length + altered.length + spurious.length === 0 };
}

/** The counts printed in the closing line: events lost, events/items duplicated, events altered, conflicts. */
export function counts(v: Verdict): { lost: number; duplicated: number; altered: number; spurious: number } {
  return { lost: v.lost.length, duplicated: v.duplicated.length, altered: v.alteredEvents, spurious: v.spurious.length };
}
