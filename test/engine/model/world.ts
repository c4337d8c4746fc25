/**
 * The model-based test's world (after vdirsyncer's `SyncMachine`): a hub with two memory calendars, a
 * crash switch on the store, and what the users did — which events they created and deleted, and the
 * last value they wrote to each field. Random syncs run in between; at the end everything is brought to
 * quiescence and the invariants are checked.
 */
import type { CalendarEvent, EventTime } from '../../../src/model/event.js';
import { classify, isWeddingCritical } from '../../../src/model/priority.js';
import { toInstantMs, msToUtc } from '../../../src/model/time.js';
import type { ConflictRules, Store } from '../../../src/store/types.js';
import { CRITICAL_FIELDS, isMergeField, sameField, type MergeField } from '../../../src/sync/fields.js';
import { resolveConflict } from '../../../src/sync/resolve.js';
import type { ManualClock } from '../../../src/util/clock.js';
import { crashingStore, type CrashSwitch } from '../crash-store.js';
import { makeHub, type Hub } from '../harness.js';

export const TITLES = ['Wedding ceremony', 'Wedding reception', 'Consultation with the couple', 'Venue visit', 'Office admin', 'Menu tasting', 'Hair and makeup'];

export const RULE_SETS: readonly ConflictRules[] = [
  {},
  { default: 'newest_wins' },
  { default: 'provider_wins' },
  { default: 'wedsync_wins', weddingCritical: { 'field:start': 'wedsync_wins', 'field:end': 'wedsync_wins' } },
  { default: 'merge', byType: { edit_delete: 'wedsync_wins', delete_edit: 'provider_wins' } },
];

export interface EventSpec {
  title: number;
  hour: number;
  recurring: boolean;
}

export type EditField = 'title' | 'location' | 'move' | 'description' | 'categories';
export interface EditSpec {
  field: EditField;
  value: number;
}

export class ModelState {
  nextId = 0;
  /** UIDs users created and did not delete: these must exist everywhere at the end. */
  readonly alive = new Set<string>();
  /** Per UID, the event right after the last user edit of each field. */
  readonly edits = new Map<string, Map<MergeField, CalendarEvent>>();

  created(uid: string): void {
    this.alive.add(uid);
  }

  deleted(uid: string): void {
    this.alive.delete(uid);
    this.edits.delete(uid);
  }

  edited(before: CalendarEvent, after: CalendarEvent): void {
    const fields = this.edits.get(after.uid) ?? new Map<MergeField, CalendarEvent>();
    for (const f of ['title', 'location', 'start', 'end', 'description', 'categories', 'recurrence', 'overrides'] as const) {
      if (!sameField(f, before, after)) fields.set(f, after);
    }
    this.edits.set(after.uid, fields);
  }
}

function shift(t: EventTime, hours: number): EventTime {
  return { kind: 'utc', utc: msToUtc(toInstantMs(t) + hours * 3_600_000) };
}

export function buildEvent(n: number, spec: EventSpec): CalendarEvent {
  const title = TITLES[spec.title % TITLES.length] ?? 'Office admin';
  const start: EventTime = { kind: 'utc', utc: `2026-08-${String(10 + (n % 15)).padStart(2, '0')}T${String(8 + (spec.hour % 10)).padStart(2, '0')}:00:00Z` };
  const event: CalendarEvent = {
    uid: `m-${n}@model.test`,
    title,
    location: 'The Old Barn',
    start,
    end: shift(start, 1),
    attendees: [],
    categories: [],
    sequence: 0,
    overrides: [],
    wedding: { kind: 'other', kindSource: 'inferred' },
    ...(spec.recurring ? { recurrence: { rrules: ['FREQ=WEEKLY;COUNT=6'], rdates: [], exdates: [] } } : {}),
  };
  return { ...event, wedding: classify(event) };
}

export function applyEdit(event: CalendarEvent, edit: EditSpec): CalendarEvent {
  switch (edit.field) {
    case 'title': {
      const next = { ...event, title: `${TITLES[edit.value % TITLES.length] ?? 'Office admin'}${edit.value >= TITLES.length ? ` ${edit.value}` : ''}` };
      return { ...next, wedding: classify(next) };
    }
    case 'location':
      return { ...event, location: `Venue ${edit.value}` };
    case 'move':
      return { ...event, start: shift(event.start, edit.value + 1), end: shift(event.end ?? event.start, edit.value + 1) };
    case 'description':
      return { ...event, description: `Note ${edit.value}` };
    case 'categories':
      return { ...event, categories: [`Cat${edit.value % 4}`] };
  }
}

/** A recurrence exception: an occurrence moved an hour, or cancelled (EXDATE). */
export function applyException(event: CalendarEvent, n: number, cancel: boolean): CalendarEvent | undefined {
  if (!event.recurrence) return undefined;
  const recurrenceId = shift(event.start, 24 * 7 * ((n % 5) + 1));
  if (cancel) return { ...event, recurrence: { ...event.recurrence, exdates: [...event.recurrence.exdates.filter((d) => !sameField('start', { ...event, start: d }, { ...event, start: recurrenceId })), recurrenceId] } };
  const others = event.overrides.filter((o) => toInstantMs(o.recurrenceId) !== toInstantMs(recurrenceId));
  return {
    ...event,
    overrides: [...others, { recurrenceId, title: event.title, start: shift(recurrenceId, 1), end: shift(recurrenceId, 2), attendees: [], categories: [], sequence: 1 }],
  };
}

export class World {
  readonly crash: CrashSwitch;
  constructor(
    readonly hub: Hub,
    readonly rules: ConflictRules,
  ) {
    this.crash = crashingStore(hub.store);
  }

  /** Half the worlds run servers whose cursors and etags are content hashes (Radicale, Xandikos). */
  static async create(shared: { store: Store; clock: ManualClock }, rules: ConflictRules, seed: number): Promise<World> {
    return new World(await makeHub({ calendars: 2, rules, shared, seed, contentHashCursors: seed % 2 === 1 }), rules);
  }

  get tenantId(): string {
    return this.hub.tenantId;
  }

  async resolveOpen(choice: 'wedsync' | 'provider' | 'merge'): Promise<number> {
    const open = await this.hub.store.conflicts.list(this.tenantId, { status: 'open' });
    for (const c of open) {
      try {
        await resolveConflict(this.hub.deps(), this.tenantId, c.id, { take: choice });
      } catch {
        // The next round sees the item again (a write can race a user edit): quiescence retries.
      }
    }
    return open.length;
  }

  /** Resolve every conflict and sync every calendar until nothing changes. Returns the rounds used. */
  async quiesce(maxRounds = 12): Promise<number> {
    this.crash.disarm();
    this.hub.server.faults.clear();
    const choices = ['wedsync', 'provider', 'merge'] as const;
    for (let round = 0; round < maxRounds; round += 1) {
      const resolved = await this.resolveOpen(choices[round % choices.length] ?? 'wedsync');
      let busy = resolved > 0;
      for (const cal of this.hub.calendars) {
        const r = await this.hub.sync(cal, { allowMassDelete: true });
        if (r.plan.length > 0 || r.errors.length > 0) busy = true;
      }
      if (!busy) return round;
    }
    throw new Error(`no quiescence after ${maxRounds} rounds`);
  }

  /** The invariants; returns the violations (empty: all hold). */
  async violations(model: ModelState): Promise<string[]> {
    const out: string[] = [];
    const { store } = this.hub;
    const hubEvents = (await store.events.list(this.tenantId)).map((e) => ({ id: e.id, event: e.event }));
    const hubByUid = new Map(hubEvents.map((e) => [e.event.uid, e]));
    const conflicts = await store.conflicts.list(this.tenantId);
    if (conflicts.some((c) => c.status === 'open')) out.push('open conflicts left');
    for (const cal of this.hub.calendars) {
      const items = this.hub.remote(cal);
      const uids = new Set(items.map((i) => i.event.uid));
      if (uids.size !== items.length) out.push(`duplicate UIDs in ${cal.name}`);
      if (items.length !== hubEvents.length) out.push(`${cal.name} has ${items.length} events, hub ${hubEvents.length}`);
      for (const item of items) {
        const h = hubByUid.get(item.event.uid);
        if (!h) out.push(`${item.event.uid} in ${cal.name} but not in the hub`);
        else {
          const differ = (['title', 'location', 'start', 'end', 'description', 'categories', 'recurrence', 'overrides'] as const).filter((f) => !sameField(f, h.event, item.event));
          if (differ.length > 0) out.push(`${item.event.uid} differs in ${cal.name}: ${differ.join(',')}`);
        }
      }
      for (const uid of model.alive) if (!uids.has(uid)) out.push(`${uid} lost in ${cal.name}`);
    }
    for (const uid of model.alive) if (!hubByUid.has(uid)) out.push(`${uid} lost in the hub`);
    // A user's last write stands unless a conflict about that event was recorded (and then resolved).
    for (const [uid, fields] of model.edits) {
      const h = hubByUid.get(uid);
      if (!h) continue;
      const hadConflict = conflicts.some((c) => c.hubEventId === h.id);
      for (const [field, after] of fields) {
        if (!sameField(field, h.event, after) && !hadConflict) out.push(`${uid}: the last edit of ${field} was overwritten without a conflict`);
      }
    }
    // Automatic resolutions never touched a wedding-critical date/time/place without a rule naming it.
    for (const c of conflicts) {
      if (!c.resolution?.by.startsWith('rule:')) continue;
      const event = c.hub ?? c.base;
      if (!event || !isWeddingCritical(event)) continue;
      const guarded = c.type !== 'field' ? c.fields : c.fields.filter((f) => isMergeField(f) && CRITICAL_FIELDS.has(f));
      for (const f of guarded) {
        const named = this.rules.weddingCritical?.[`${c.type}:${f}`] ?? this.rules.weddingCritical?.[`${c.type}:*`] ?? (c.type === 'wedding_critical' ? this.rules.byType?.wedding_critical : undefined);
        if (named === undefined) out.push(`conflict ${c.id} (${c.type}:${f}) on a wedding-critical event resolved by ${c.resolution.by} without a rule`);
      }
    }
    return out;
  }
}
