/**
 * What counts as a schedule change (product.md, "Wedding workflow"): the date, time or place of a
 * wedding-critical event (ceremony, reception, wedding-day timeline) changed, or the event was deleted.
 */
import type { CalendarEvent, EventTime } from '../../model/event.js';

export type ScheduleField = 'start' | 'end' | 'location';

/** The part of an event a supplier needs to know about (kept per watched event, sent as before/after). */
export interface ScheduleSnapshot {
  title: string;
  kind: string;
  start: EventTime;
  end?: EventTime;
  location?: string;
  weddingId?: string;
  weddingDate?: string;
}

export interface ScheduleChange {
  hubEventId: string;
  change: 'updated' | 'deleted';
  fields: ScheduleField[];
  before: ScheduleSnapshot;
  after: ScheduleSnapshot | null;
  /** Who made the last change: `calendar:<id>`, `api`, `wedsync`, `cli`, … */
  source?: string;
  at: string;
}

export function snapshotOf(e: CalendarEvent): ScheduleSnapshot {
  return {
    title: e.title,
    kind: e.wedding.kind,
    start: e.start,
    ...(e.end ? { end: e.end } : {}),
    ...(e.location !== undefined ? { location: e.location } : {}),
    ...(e.wedding.weddingId ? { weddingId: e.wedding.weddingId } : {}),
    ...(e.wedding.weddingDate ? { weddingDate: e.wedding.weddingDate } : {}),
  };
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** The schedule fields that differ between two snapshots. */
export function scheduleFieldsChanged(before: ScheduleSnapshot, after: ScheduleSnapshot): ScheduleField[] {
  const fields: ScheduleField[] = [];
  if (!same(before.start, after.start)) fields.push('start');
  if (!same(before.end, after.end)) fields.push('end');
  if ((before.location ?? '').trim() !== (after.location ?? '').trim()) fields.push('location');
  return fields;
}

/** The change from `before` to `after` (null: deleted or cancelled), or undefined when the schedule stands. */
export function scheduleChange(hubEventId: string, before: ScheduleSnapshot, after: ScheduleSnapshot | null, at: string, source?: string): ScheduleChange | undefined {
  const base = { hubEventId, before, at, ...(source ? { source } : {}) };
  if (after === null) return { ...base, change: 'deleted', fields: ['start', 'end', 'location'], after: null };
  const fields = scheduleFieldsChanged(before, after);
  return fields.length > 0 ? { ...base, change: 'updated', fields, after } : undefined;
}
