/**
 * How urgent a change is (product.md, "Wedding workflow"): wedding-critical events are high priority;
 * emergencies — flagged by WedSync, or any change to an event within 48 h of its wedding — jump the queue.
 */
import type { CalendarEvent, Priority } from '../model/event.js';
import { toInstantMs } from '../model/time.js';
import { priorityOf } from '../model/priority.js';
import type { Clock } from '../util/clock.js';

const HOUR = 3_600_000;
export const EMERGENCY_WINDOW_MS = 48 * HOUR;
const RANK: Record<Priority, number> = { high: 3, medium: 2, low: 1 };

/**
 * The wedding day's instant: the start of the wedding date — in the event's own time zone when it has
 * one (a Los Angeles reception is still on at 05:00 UTC the next day), else UTC — or, failing that,
 * the event's start.
 */
function weddingInstant(event: CalendarEvent): number | undefined {
  const day = event.wedding.weddingDate;
  if (day) {
    const midnight = `${day}T00:00:00`;
    if (event.start.kind === 'zoned' && /^\d{4}-\d{2}-\d{2}$/.test(day)) return toInstantMs({ ...event.start, local: midnight });
    return Date.parse(`${midnight}Z`);
  }
  if (priorityOf(event) === 'high') return toInstantMs(event.start);
  return undefined;
}

export function isEmergency(event: CalendarEvent, clock: Clock): boolean {
  if (event.wedding.emergency === true) return true;
  const at = weddingInstant(event);
  if (at === undefined || Number.isNaN(at)) return false;
  const until = at - clock.now();
  // From two days before until the end of the wedding day itself.
  return until <= EMERGENCY_WINDOW_MS && until >= -24 * HOUR;
}

export interface Urgency {
  priority: Priority;
  emergency: boolean;
}

/** The urgency of a batch of changed events: the highest priority among them, emergency if any is. */
export function urgencyOf(events: readonly CalendarEvent[], clock: Clock, floor: Priority = 'low'): Urgency {
  let priority: Priority = floor;
  let emergency = false;
  for (const event of events) {
    const p = priorityOf(event);
    if (RANK[p] > RANK[priority]) priority = p;
    if (isEmergency(event, clock)) emergency = true;
  }
  return { priority: emergency ? 'high' : priority, emergency };
}
