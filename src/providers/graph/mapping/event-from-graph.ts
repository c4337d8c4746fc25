/**
 * Graph event JSON → model `CalendarEvent`. A recurring series arrives as its master plus the
 * exceptions and cancelled occurrences the provider found (Graph keeps them as separate items); they
 * become the model's `overrides` and `recurrence.exdates`, so one series is one event, as in iCalendar.
 */
import type { CalendarEvent, EventFields, EventTime, Unmodelled } from '../../../model/event.js';
import { UNMODELLED_TEXT_LIMIT, capTextFields } from '../../../model/limits.js';
import { classify } from '../../../model/priority.js';
import { resolveTzid } from '../../../model/timezones.js';
import { GRAPH_PROVIDER_KIND } from '../constants.js';
import type { GraphEvent } from '../graph-types.js';
import { bodyFromGraph } from './body.js';
import { ourUidOf } from './extended-properties.js';
import { attendeesFromGraph, personFromGraph } from './people.js';
import { plainOccurrence, sameOnOutlook } from './plain-occurrence.js';
import { rruleFromGraph } from './recurrence-from-graph.js';
import { recurrenceIdFromGraph, timeFromGraph } from './time.js';

export interface FromGraphOptions {
  /** IANA zone floating hub times were written in (see `timeToGraph`). */
  floatingZone?: string;
  /** Receives one message per text cut to the model's limits (`model/limits.ts`); the caller reports them. */
  cuts?: string[];
}

/** Graph fields with no model equivalent that we keep and write back (see `graphExtraOf`). */
export interface GraphExtra {
  bodyHtml?: string;
  importance?: 'low' | 'normal' | 'high';
  isReminderOn?: boolean;
  reminderMinutesBeforeStart?: number;
}

const isoInstant = (value: string | null | undefined): string | undefined => {
  const ms = value ? Date.parse(value) : NaN;
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString().replace('.000Z', 'Z');
};

/** Outlook's defaults are not kept: they would make every Outlook event differ from its iCalendar twin. */
const DEFAULT_REMINDER_MINUTES = 15;

function extraFromGraph(event: GraphEvent, html: string | undefined): Unmodelled | undefined {
  const graph: GraphExtra = {};
  if (html !== undefined) graph.bodyHtml = html;
  if (event.importance && event.importance !== 'normal') graph.importance = event.importance;
  if (event.isReminderOn === false) graph.isReminderOn = false;
  else if (typeof event.reminderMinutesBeforeStart === 'number' && event.reminderMinutesBeforeStart !== DEFAULT_REMINDER_MINUTES) {
    graph.reminderMinutesBeforeStart = event.reminderMinutesBeforeStart;
  }
  return Object.keys(graph).length === 0 ? undefined : { provider: { [GRAPH_PROVIDER_KIND]: graph } };
}

function locationOf(event: GraphEvent): string | undefined {
  const name = event.location?.displayName?.trim() || event.locations?.find((l) => l.displayName?.trim())?.displayName?.trim();
  return name || undefined;
}

const GRAPH_NAMES = { title: 'subject', location: 'location', description: 'body' } as const;

/** The fields shared by a single event, a series master and an exception; over-long text is cut into `cuts`. */
export function fieldsFromGraph(event: GraphEvent, cuts: string[] = []): EventFields {
  const allDay = event.isAllDay === true;
  const start: EventTime = event.start ? timeFromGraph(event.start, allDay, event.originalStartTimeZone) : { kind: 'utc', utc: '1970-01-01T00:00:00Z' };
  const body = bodyFromGraph(event.body);
  const description = body.description;
  let html = body.html;
  if (html !== undefined && html.length > UNMODELLED_TEXT_LIMIT) {
    cuts.push(`HTML body of ${html.length} characters not kept (more than ${UNMODELLED_TEXT_LIMIT}); its text is the description`);
    html = undefined;
  }
  const fields: EventFields = {
    title: event.subject ?? '',
    start,
    attendees: attendeesFromGraph(event.attendees, event.responseRequested === true),
    categories: [...(event.categories ?? [])],
    sequence: 0,
  };
  if (event.end) fields.end = timeFromGraph(event.end, allDay, event.originalEndTimeZone ?? event.originalStartTimeZone);
  if (description !== undefined) fields.description = description;
  const location = locationOf(event);
  if (location) fields.location = location;
  // Outlook has no tentative/confirmed status of its own (tentative is a showAs): live means confirmed.
  fields.status = event.isCancelled ? 'cancelled' : 'confirmed';
  const organizer = personFromGraph(event.organizer?.emailAddress);
  if (organizer) fields.organizer = organizer;
  if (event.showAs) {
    fields.showAs = event.showAs;
    fields.transparency = event.showAs === 'free' ? 'transparent' : 'opaque';
  }
  if (event.sensitivity) fields.sensitivity = event.sensitivity;
  // createdDateTime is not mapped to `created`: it is when Outlook got its copy, not when the event was
  // made, and would make every copy differ from its origin.
  const lastModified = isoInstant(event.lastModifiedDateTime);
  if (lastModified) fields.lastModified = lastModified;
  const extra = extraFromGraph(event, html);
  if (extra) fields.extra = extra;
  cuts.push(...capTextFields(fields, GRAPH_NAMES));
  return fields;
}

/** The parts of a series besides its master, as the provider collected them. */
export interface SeriesParts {
  /** Instances with `type: exception` (moved or edited occurrences). */
  exceptions: readonly GraphEvent[];
  /** Original starts (UTC instants) of occurrences that were deleted or cancelled. */
  cancelledStarts: readonly string[];
  /** For an all-day series: how far its occurrences' `originalStart` lie from UTC midnight (the creator's zone). */
  allDayOffsetMs?: number;
}

/** A single event or a series master (with its exceptions and cancellations) as one model event. */
export function eventFromGraph(event: GraphEvent, series: SeriesParts = { exceptions: [], cancelledStarts: [] }, opts: FromGraphOptions = {}): CalendarEvent {
  const fields = fieldsFromGraph(event, opts.cuts);
  const calendarEvent: CalendarEvent = {
    ...fields,
    uid: ourUidOf(event) ?? event.iCalUId ?? event.id,
    overrides: [],
    wedding: classify({ title: fields.title, categories: fields.categories }),
  };
  if (!event.recurrence) return calendarEvent;
  const zones = {
    floatingZone: opts.floatingZone ?? 'UTC',
    allDayZone: event.originalStartTimeZone ? resolveTzid(event.originalStartTimeZone) : undefined,
    ...(series.allDayOffsetMs === undefined ? {} : { allDayOffsetMs: series.allDayOffsetMs }),
  };
  const recurrenceIdOf = (originalStart: string): EventTime => recurrenceIdFromGraph(originalStart, fields.start, zones);
  const exdates = new Map<string, EventTime>();
  for (const start of series.cancelledStarts) exdates.set(start, recurrenceIdOf(start));
  const byOriginalStart = (a: GraphEvent, b: GraphEvent): number => Date.parse(a.originalStart ?? '') - Date.parse(b.originalStart ?? '');
  for (const exception of [...series.exceptions].sort(byOriginalStart)) {
    if (!exception.originalStart) continue;
    // An occurrence cancelled as a meeting (isCancelled) is, for the calendar, a removed occurrence.
    const recurrenceId = recurrenceIdOf(exception.originalStart);
    if (exception.isCancelled) {
      exdates.set(exception.originalStart, recurrenceId);
      continue;
    }
    const override = fieldsFromGraph(exception, opts.cuts);
    // An exception with the series' own values (a reverted one) is not an override.
    if (!sameOnOutlook(override, plainOccurrence(fields, recurrenceId), opts)) calendarEvent.overrides.push({ ...override, recurrenceId });
  }
  calendarEvent.recurrence = {
    rrules: [rruleFromGraph(event.recurrence, fields.start)],
    rdates: [],
    exdates: [...exdates.entries()].sort(([a], [b]) => Date.parse(a) - Date.parse(b)).map(([, t]) => t),
  };
  return calendarEvent;
}
