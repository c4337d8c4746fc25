/**
 * What the users did, and so what the end state must be. Each field has one owner (see
 * `schedule.ts`), so the expected value of every field of every event is its owner's last write.
 */
import type { CalendarEvent, EventTime } from '../../../src/model/event.js';
import { classify } from '../../../src/model/priority.js';
import { msToUtc, toInstantMs } from '../../../src/model/time.js';

export type Who = 'hub' | 'caldav' | 'graph';

export interface Expected {
  uid: string;
  createdBy: Who;
  /** Who deleted it (empty: it must exist everywhere at the end). */
  deletedBy: Who[];
  title: string;
  location: string;
  description: string;
  start: EventTime;
  /** Occurrences Outlook's user cancelled. */
  cancelled: EventTime[];
  /** The hub's user restored cancelled occurrences (a contended write: the outcome may go either way). */
  contested: boolean;
}

export class Oracle {
  private next = 0;
  readonly events = new Map<string, Expected>();

  create(who: Who, recurring: boolean): CalendarEvent {
    const n = this.next++;
    const uid = `sim-${n}@${who}.test`;
    const start: EventTime = { kind: 'utc', utc: `2026-09-${String(1 + (n % 20)).padStart(2, '0')}T10:00:00Z` };
    const draft: CalendarEvent = {
      uid,
      title: `Office admin ${n}`,
      location: `Studio ${n}`,
      description: `Created by ${who}`,
      start,
      end: plusHours(start, 1),
      attendees: [],
      categories: [],
      sequence: 0,
      overrides: [],
      wedding: { kind: 'other', kindSource: 'inferred' },
      ...(recurring ? { recurrence: { rrules: ['FREQ=WEEKLY;COUNT=6'], rdates: [], exdates: [] } } : {}),
    };
    const event = { ...draft, wedding: classify(draft) };
    this.events.set(uid, { uid, createdBy: who, deletedBy: [], title: event.title, location: event.location ?? '', description: event.description ?? '', start, cancelled: [], contested: false });
    return event;
  }

  get(uid: string): Expected | undefined {
    return this.events.get(uid);
  }
}

export function plusHours(t: EventTime, hours: number): EventTime {
  return { kind: 'utc', utc: msToUtc(toInstantMs(t) + hours * 3_600_000) };
}

export function sameTime(a: EventTime | undefined, b: EventTime | undefined): boolean {
  return a !== undefined && b !== undefined && toInstantMs(a) === toInstantMs(b);
}

/** The hub user's move: the same day, at hour 8 + value % 10 (an absolute value, so it is known). */
export function movedStart(start: EventTime, value: number): EventTime {
  const day = msToUtc(toInstantMs(start)).slice(0, 10);
  return { kind: 'utc', utc: `${day}T${String(8 + (value % 10)).padStart(2, '0')}:00:00Z` };
}

/** The k-th later occurrence of a weekly series (k ≥ 1). */
export function occurrence(start: EventTime, k: number): EventTime {
  return plusHours(start, 24 * 7 * (1 + (k % 5)));
}
