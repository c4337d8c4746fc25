/**
 * Model `CalendarEvent` → the Graph JSON we POST/PATCH. Every field we map is always sent (empty when
 * the model has none) because a PATCH must also clear what the model dropped. Fields Graph does not
 * let a client set (organizer, responses, iCalUId) are not sent.
 */
import { CalsyncError } from '../../../errors.js';
import type { CalendarEvent, EventFields, EventTime } from '../../../model/event.js';
import { addDays } from '../../../model/time.js';
import { GRAPH_PROVIDER_KIND } from '../constants.js';
import type { GraphEvent, GraphPatternedRecurrence } from '../graph-types.js';
import { bodyToGraph } from './body.js';
import type { GraphExtra } from './event-from-graph.js';
import { attendeesToGraph } from './people.js';
import { recurrenceToGraph } from './recurrence-to-graph.js';
import { timeToGraph } from './time.js';

export interface ToGraphOptions {
  /** IANA zone floating times are written in (Graph has no floating times); default UTC. */
  floatingZone?: string;
}

/** What we write: Graph event fields without the server-assigned ones. */
export type GraphEventWrite = Omit<Partial<GraphEvent>, 'id' | '@odata.etag' | 'changeKey' | 'iCalUId'>;

export function graphExtraOf(fields: Pick<EventFields, 'extra'>): GraphExtra {
  const kept = fields.extra?.provider?.[GRAPH_PROVIDER_KIND];
  return kept !== null && typeof kept === 'object' ? (kept as GraphExtra) : {};
}

function endOf(start: EventTime, end: EventTime | undefined): EventTime {
  if (start.kind === 'date') return end?.kind === 'date' && end.date > start.date ? end : { kind: 'date', date: addDays(start.date, 1) };
  return end ?? start;
}

/** Graph fields for an event or one of its overrides (no recurrence, no identity). */
export function fieldsToGraph(fields: EventFields, opts: ToGraphOptions = {}): GraphEventWrite {
  const extra = graphExtraOf(fields);
  const start = timeToGraph(fields.start, opts.floatingZone);
  const end = timeToGraph(endOf(fields.start, fields.end), opts.floatingZone);
  const out: GraphEventWrite = {
    subject: fields.title,
    body: bodyToGraph(fields.description, extra.bodyHtml),
    start,
    end,
    isAllDay: fields.start.kind === 'date',
    location: { displayName: fields.location ?? '' },
    attendees: attendeesToGraph(fields.attendees),
    categories: [...fields.categories],
  };
  if (fields.attendees.length > 0) out.responseRequested = fields.attendees.some((a) => a.rsvp === true);
  const showAs = fields.showAs ?? (fields.transparency === 'transparent' ? 'free' : fields.transparency === 'opaque' ? 'busy' : undefined);
  if (showAs) out.showAs = showAs;
  if (fields.sensitivity) out.sensitivity = fields.sensitivity;
  if (extra.importance) out.importance = extra.importance;
  if (extra.isReminderOn !== undefined) out.isReminderOn = extra.isReminderOn;
  if (extra.reminderMinutesBeforeStart !== undefined) out.reminderMinutesBeforeStart = extra.reminderMinutesBeforeStart;
  return out;
}

/** Why Outlook cannot hold this event's recurrence, or undefined when it can. */
export function graphRecurrenceOf(event: CalendarEvent, opts: ToGraphOptions = {}): { recurrence: GraphPatternedRecurrence | null } | { reason: string } {
  const rec = event.recurrence;
  if (!rec || rec.rrules.length === 0) return { recurrence: null };
  if (rec.rrules.length > 1) return { reason: 'more than one RRULE' };
  if (rec.rdates.length > 0) return { reason: 'RDATE' };
  const analysis = recurrenceToGraph(rec.rrules[0] ?? '', event.start, timeToGraph(event.start, opts.floatingZone).timeZone);
  return analysis.ok ? { recurrence: analysis.recurrence } : { reason: analysis.reason };
}

/**
 * The body of a POST/PATCH for a single event or series master. A recurrence Outlook cannot express
 * is refused (PROVIDER_REJECTED, `details.reason = 'unsupportedRecurrence'`) rather than approximated:
 * the hub keeps the rule and flags it.
 */
export function eventToGraph(event: CalendarEvent, opts: ToGraphOptions = {}): GraphEventWrite {
  const recurrence = graphRecurrenceOf(event, opts);
  if ('reason' in recurrence) {
    throw new CalsyncError('PROVIDER_REJECTED', `Outlook cannot express the recurrence of ${event.uid}: ${recurrence.reason}`, {
      details: { reason: 'unsupportedRecurrence', uid: event.uid, rrules: event.recurrence?.rrules ?? [], why: recurrence.reason },
    });
  }
  return { ...fieldsToGraph(event, opts), recurrence: recurrence.recurrence };
}
