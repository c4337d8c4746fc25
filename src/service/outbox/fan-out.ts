/**
 * Which calendars outbox entries must reach (pure): every target calendar gets the changes that are
 * past its hub seq and did not come from itself. A calendar whose hub seq is already past them (its own
 * sync ran meanwhile, or another drainer's job did) needs nothing — so draining twice is harmless.
 */
import type { CalendarRecord, ChangeSource, OutboxEntry } from '../../store/types.js';

const CALENDAR_PREFIX = 'calendar:';

/** The calendar a change came from (`calendar:<id>` sources), else undefined (API, CLI, restore, conflict…). */
export function sourceCalendarOf(source: ChangeSource | string): string | undefined {
  return source.startsWith(CALENDAR_PREFIX) ? source.slice(CALENDAR_PREFIX.length) : undefined;
}

export interface TargetState {
  calendar: CalendarRecord;
  /** The calendar's `SyncState.hubSeq`: the hub changes up to it are in the calendar already. */
  hubSeq: number;
}

export interface Delivery {
  calendarId: string;
  /** The hub events whose changes the calendar still lacks (deduplicated, in seq order). */
  hubEventIds: string[];
  /** The calendars those changes came from (empty: none came from a calendar). */
  fromCalendarIds: string[];
  /** The highest seq among them. */
  lastSeq: number;
}

export function fanOut(entries: readonly OutboxEntry[], targets: readonly TargetState[]): Delivery[] {
  const deliveries: Delivery[] = [];
  for (const { calendar, hubSeq } of targets) {
    const ids = new Set<string>();
    const from = new Set<string>();
    let lastSeq = 0;
    for (const entry of entries) {
      if (entry.seq <= hubSeq) continue;
      const source = sourceCalendarOf(entry.source);
      if (source === calendar.id) continue;
      ids.add(entry.hubEventId);
      if (source !== undefined) from.add(source);
      lastSeq = Math.max(lastSeq, entry.seq);
    }
    if (ids.size > 0) deliveries.push({ calendarId: calendar.id, hubEventIds: [...ids], fromCalendarIds: [...from], lastSeq });
  }
  return deliveries;
}

/** The job's reason: the one calendar the changes came from, when there is one. */
export function reasonOf(delivery: Pick<Delivery, 'fromCalendarIds'>): string {
  const [only, ...rest] = delivery.fromCalendarIds;
  return only !== undefined && rest.length === 0 ? `hub change from ${only}` : 'hub change';
}
