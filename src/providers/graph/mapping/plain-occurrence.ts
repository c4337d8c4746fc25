/**
 * An occurrence as its series would have it, and the test for "this exception changes nothing".
 * Outlook keeps an occurrence that was ever PATCHed as an exception even when its values went back to
 * the series' own (and that is the only way to revert one), so such an exception is not an override.
 */
import type { EventFields, EventTime } from '../../../model/event.js';
import { stableStringify } from '../../../model/hash.js';
import { addDays, localToMs, msToLocal, toInstantMs } from '../../../model/time.js';
import type { ToGraphOptions } from './event-to-graph.js';
import { fieldsToGraph } from './event-to-graph.js';

function shift(t: EventTime, ms: number): EventTime {
  switch (t.kind) {
    case 'date':
      return { kind: 'date', date: addDays(t.date, Math.round(ms / 86_400_000)) };
    case 'utc':
      return { kind: 'utc', utc: `${msToLocal(toInstantMs(t) + ms)}Z` };
    case 'floating':
    case 'zoned':
      return { ...t, local: msToLocal(localToMs(t.local) + ms) };
  }
}

function durationMs(master: EventFields): number {
  if (!master.end) return master.start.kind === 'date' ? 86_400_000 : 0;
  if (master.start.kind === 'date' && master.end.kind === 'date') return localToMs(master.end.date) - localToMs(master.start.date);
  return toInstantMs(master.end) - toInstantMs(master.start);
}

/** The master's fields at an occurrence's original start (same duration). */
export function plainOccurrence(master: EventFields, recurrenceId: EventTime): EventFields {
  return { ...master, start: recurrenceId, end: shift(recurrenceId, durationMs(master)) };
}

/** Whether Outlook would store the same thing for both (times compared as Outlook writes them). */
export function sameOnOutlook(a: EventFields, b: EventFields, opts: ToGraphOptions = {}): boolean {
  const view = (f: EventFields): string => {
    const g = fieldsToGraph(f, opts);
    return stableStringify({ ...g, start: f.start.kind === 'date' ? g.start : toInstantMs(f.start), end: f.end && f.end.kind !== 'date' ? toInstantMs(f.end) : g.end });
  };
  return view(a) === view(b);
}
