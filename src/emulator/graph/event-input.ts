/**
 * Validation of event bodies on POST/PATCH. Unknown properties are refused with Graph's
 * `RequestBodyRead` error, read-only ones are ignored (clients often echo a whole event back), and
 * values are checked so a bad body changes nothing.
 */
import { GraphError, invalidRequest } from './graph-error.js';
import type { EventProps, EventTimes } from './model.js';
import type { PatternedRecurrence, PatternType, WeekIndex } from './recurrence.js';
import { parseDate } from './recurrence.js';
import { instantToWall, toIana, wallToInstant } from './time-zones.js';

const ENUMS: Record<string, readonly string[]> = {
  sensitivity: ['normal', 'personal', 'private', 'confidential'],
  showAs: ['free', 'tentative', 'busy', 'oof', 'workingElsewhere', 'unknown'],
  importance: ['low', 'normal', 'high'],
};
const STRINGS = new Set(['subject', 'onlineMeetingProvider']);
const BOOLEANS = new Set(['isReminderOn', 'responseRequested', 'allowNewTimeProposals', 'isOnlineMeeting', 'hideAttendees']);
const OBJECTS = new Set(['body', 'location', 'organizer']);
const ARRAYS = new Set(['locations', 'attendees', 'categories']);
const READ_ONLY = new Set([
  '@odata.context', '@odata.type', '@odata.etag', 'id', 'changeKey', 'createdDateTime', 'lastModifiedDateTime', 'iCalUId',
  'type', 'seriesMasterId', 'originalStart', 'originalStartTimeZone', 'originalEndTimeZone', 'webLink', 'bodyPreview',
  'hasAttachments', 'isOrganizer', 'responseStatus', 'onlineMeeting', 'isDraft', 'isCancelled', 'onlineMeetingUrl',
]);
const SPECIAL = new Set(['start', 'end', 'isAllDay', 'recurrence', 'singleValueExtendedProperties', 'transactionId', 'reminderMinutesBeforeStart']);

export interface EventInput {
  props: EventProps;
  start?: { dateTime: string; timeZone: string };
  end?: { dateTime: string; timeZone: string };
  isAllDay?: boolean;
  /** undefined: not given; null: remove the recurrence. */
  recurrence?: PatternedRecurrence | null;
  extended: { id: string; value: string }[];
  transactionId?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function bodyReadError(name: string): GraphError {
  return new GraphError(
    400,
    'RequestBodyRead',
    `The property '${name}' does not exist on type 'microsoft.graph.event'. Make sure to only use property names that are defined by the type or mark the type as open type.`,
  );
}

function typeError(name: string): GraphError {
  return new GraphError(400, 'RequestBodyRead', `Cannot read the value of property '${name}': unexpected type.`);
}

export function parseEventInput(raw: unknown): EventInput {
  if (!isObject(raw)) throw new GraphError(400, 'RequestBodyRead', 'The request body must be a JSON object.');
  const input: EventInput = { props: {}, extended: [] };
  for (const [name, value] of Object.entries(raw)) {
    if (READ_ONLY.has(name) || name.startsWith('@odata.')) continue;
    if (SPECIAL.has(name)) continue;
    if (name in ENUMS) {
      if (typeof value !== 'string' || !ENUMS[name]?.includes(value)) throw typeError(name);
    } else if (STRINGS.has(name)) {
      if (typeof value !== 'string' && value !== null) throw typeError(name);
    } else if (BOOLEANS.has(name)) {
      if (typeof value !== 'boolean') throw typeError(name);
    } else if (OBJECTS.has(name)) {
      if (!isObject(value) && value !== null) throw typeError(name);
    } else if (ARRAYS.has(name)) {
      if (!Array.isArray(value)) throw typeError(name);
      if (name === 'attendees' && value.length > 500) throw invalidRequest('An event can have at most 500 attendees.');
      if (name === 'categories' && !value.every((c) => typeof c === 'string')) throw typeError(name);
    } else {
      throw bodyReadError(name);
    }
    input.props[name] = value;
  }
  if ('reminderMinutesBeforeStart' in raw) {
    if (!Number.isInteger(raw.reminderMinutesBeforeStart)) throw typeError('reminderMinutesBeforeStart');
    input.props.reminderMinutesBeforeStart = raw.reminderMinutesBeforeStart;
  }
  if (isObject(input.props.body)) {
    const { contentType, content } = input.props.body;
    if ((contentType !== undefined && contentType !== 'html' && contentType !== 'text') || (content !== undefined && typeof content !== 'string'))
      throw typeError('body');
  }
  if ('start' in raw) input.start = parseDateTimeTimeZone('start', raw.start);
  if ('end' in raw) input.end = parseDateTimeTimeZone('end', raw.end);
  if ('isAllDay' in raw) {
    if (typeof raw.isAllDay !== 'boolean') throw typeError('isAllDay');
    input.isAllDay = raw.isAllDay;
  }
  if ('recurrence' in raw) input.recurrence = raw.recurrence === null ? null : parseRecurrence(raw.recurrence);
  if ('singleValueExtendedProperties' in raw) input.extended = parseExtended(raw.singleValueExtendedProperties);
  if ('transactionId' in raw) {
    if (typeof raw.transactionId !== 'string') throw typeError('transactionId');
    input.transactionId = raw.transactionId;
  }
  return input;
}

function parseDateTimeTimeZone(name: string, v: unknown): { dateTime: string; timeZone: string } {
  if (!isObject(v) || typeof v.dateTime !== 'string') throw typeError(name);
  const timeZone = typeof v.timeZone === 'string' && v.timeZone !== '' ? v.timeZone : 'UTC';
  toIana(timeZone);
  return { dateTime: v.dateTime, timeZone };
}

function parseExtended(v: unknown): { id: string; value: string }[] {
  if (!Array.isArray(v)) throw typeError('singleValueExtendedProperties');
  return v.map((p) => {
    if (!isObject(p) || typeof p.id !== 'string' || typeof p.value !== 'string') throw typeError('singleValueExtendedProperties');
    // "String {GUID} Name x", "String {GUID} Id 0x…" or "String 0x…": a type and an identity.
    if (!/^\w+\s+(\{[0-9a-f-]{36}\}\s+(Name|Id)\s+\S+|0x[0-9a-f]{1,4})$/i.test(p.id.trim()))
      throw invalidRequest(`The extended property id '${p.id}' is not valid.`);
    return { id: p.id.trim(), value: p.value };
  });
}

const PATTERN_TYPES: readonly PatternType[] = ['daily', 'weekly', 'absoluteMonthly', 'relativeMonthly', 'absoluteYearly', 'relativeYearly'];
const WEEK_INDEXES: readonly WeekIndex[] = ['first', 'second', 'third', 'fourth', 'last'];
const DAY_NAMES = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

/** Fills Graph's defaults (as Graph echoes them) and refuses patterns Outlook would refuse. */
export function parseRecurrence(v: unknown): PatternedRecurrence {
  if (!isObject(v) || !isObject(v.pattern) || !isObject(v.range)) throw typeError('recurrence');
  const p = v.pattern;
  const r = v.range;
  const type = p.type as PatternType;
  if (!PATTERN_TYPES.includes(type)) throw invalidRequest(`Recurrence pattern type '${String(p.type)}' is not valid.`);
  const interval = p.interval ?? 1;
  if (!Number.isInteger(interval) || (interval as number) < 1 || (interval as number) > 99) throw invalidRequest('Recurrence interval must be between 1 and 99.');
  const daysOfWeek = Array.isArray(p.daysOfWeek) ? p.daysOfWeek.map((d) => String(d).toLowerCase()) : [];
  if (!daysOfWeek.every((d) => DAY_NAMES.includes(d))) throw invalidRequest('Recurrence daysOfWeek is not valid.');
  if ((type === 'weekly' || type.startsWith('relative')) && daysOfWeek.length === 0)
    throw invalidRequest(`Recurrence pattern '${type}' requires daysOfWeek.`);
  const dayOfMonth = Number(p.dayOfMonth ?? 0);
  if (type.startsWith('absolute') && !(dayOfMonth >= 1 && dayOfMonth <= 31)) throw invalidRequest('Recurrence dayOfMonth must be between 1 and 31.');
  const month = Number(p.month ?? 0);
  if (type.endsWith('Yearly') && !(month >= 1 && month <= 12)) throw invalidRequest('Recurrence month must be between 1 and 12.');
  const index = (p.index ?? 'first') as WeekIndex;
  if (!WEEK_INDEXES.includes(index)) throw invalidRequest('Recurrence index is not valid.');
  const rangeType = r.type;
  if (rangeType !== 'endDate' && rangeType !== 'noEnd' && rangeType !== 'numbered') throw invalidRequest('Recurrence range type is not valid.');
  if (typeof r.startDate !== 'string') throw invalidRequest('Recurrence range requires startDate.');
  parseDate(r.startDate);
  const endDate = typeof r.endDate === 'string' ? r.endDate : '0001-01-01';
  if (rangeType === 'endDate' && parseDate(endDate) < parseDate(r.startDate)) throw invalidRequest('Recurrence endDate is before startDate.');
  const numberOfOccurrences = Number(r.numberOfOccurrences ?? 0);
  if (rangeType === 'numbered' && !(Number.isInteger(numberOfOccurrences) && numberOfOccurrences >= 1))
    throw invalidRequest('Recurrence numberOfOccurrences must be positive.');
  const recurrenceTimeZone = typeof r.recurrenceTimeZone === 'string' && r.recurrenceTimeZone ? r.recurrenceTimeZone : '';
  if (recurrenceTimeZone) toIana(recurrenceTimeZone);
  return {
    pattern: {
      type,
      interval: interval as number,
      month,
      dayOfMonth,
      daysOfWeek,
      firstDayOfWeek: typeof p.firstDayOfWeek === 'string' ? p.firstDayOfWeek.toLowerCase() : 'sunday',
      index,
    },
    range: { type: rangeType, startDate: r.startDate, endDate, recurrenceTimeZone, numberOfOccurrences },
  };
}

/** Resolve start/end/isAllDay against the current times (PATCH) or none (POST). */
export function resolveTimes(input: EventInput, current: EventTimes | undefined): EventTimes {
  if (!current && (!input.start || !input.end)) throw invalidRequest('Your request requires start and end to be specified.');
  const startZone = input.start?.timeZone ?? current?.startZone ?? 'UTC';
  const endZone = input.end?.timeZone ?? current?.endZone ?? startZone;
  const startMs = input.start ? wallToInstant(input.start.dateTime, startZone) : (current?.startMs ?? 0);
  const endMs = input.end ? wallToInstant(input.end.dateTime, endZone) : (current?.endMs ?? 0);
  const isAllDay = input.isAllDay ?? current?.isAllDay ?? false;
  if (endMs < startMs) throw invalidRequest('The end time of the event must be later than its start time.');
  if (isAllDay) {
    const midnight = (ms: number, zone: string): boolean => instantToWall(ms, zone).endsWith('T00:00:00.0000000');
    if (!midnight(startMs, startZone) || !midnight(endMs, endZone) || endMs <= startMs)
      throw new GraphError(400, 'ErrorPropertyValidationFailure', 'All-day events must start and end at midnight and span at least one day.');
  }
  return { startMs, endMs, startZone, endZone, isAllDay };
}
