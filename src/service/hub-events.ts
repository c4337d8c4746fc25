/**
 * Changing hub (WedSync) events from the CLI or the API: validate the input and write the hub (audited,
 * versioned). The write is its own outbox record: the outbox drainer pushes it to every enabled calendar
 * with the change's urgency (`outbox/drainer.ts`).
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { CalsyncError, NotFoundError, ValidationError } from '../errors.js';
import type { CalendarEvent, EventTime, HubEvent } from '../model/event.js';
import { EVENT_KINDS, classify } from '../model/priority.js';
import { toInstantMs } from '../model/time.js';
import { resolveTzid } from '../model/timezones.js';
import type { ChangeSource, Store } from '../store/types.js';
import type { Clock } from '../util/clock.js';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const LOCAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/;
const UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?(\.\d+)?Z$/;

/** The shape is right and the date and time exist (no 2027-02-30, no 25:00). */
function isTimeValue(s: string): boolean {
  if (!DATE.test(s) && !LOCAL.test(s) && !UTC.test(s)) return false;
  const [y, mo, d, h = 0, mi = 0, sec = 0] = (s.match(/\d+/g) ?? []).map(Number);
  const day = new Date(Date.UTC(y ?? 0, (mo ?? 0) - 1, d ?? 0));
  return day.getUTCFullYear() === y && day.getUTCMonth() + 1 === mo && day.getUTCDate() === d && h < 24 && mi < 60 && sec < 60;
}
const TIME_FORMS = 'YYYY-MM-DD, YYYY-MM-DDTHH:mm[:ss] or an ISO UTC instant, and a date that exists';

/** Event fields as people and WedSync send them. Times: `YYYY-MM-DD` (all-day), local + `timeZone`, or UTC `…Z`. */
export const hubEventInputSchema = z.object({
  title: z.string().min(1).max(1000),
  start: z.string().refine(isTimeValue, `start must be ${TIME_FORMS}`),
  end: z.string().refine(isTimeValue, `end must be ${TIME_FORMS}`).optional(),
  timeZone: z.string().min(1).max(200).optional(),
  description: z.string().max(100_000).optional(),
  location: z.string().max(2000).optional(),
  kind: z.enum(EVENT_KINDS as [string, ...string[]]).optional(),
  weddingId: z.string().max(200).optional(),
  weddingDate: z.string().regex(DATE, 'weddingDate must be YYYY-MM-DD').optional(),
  emergency: z.boolean().optional(),
  categories: z.array(z.string().max(200)).max(50).optional(),
});

export type HubEventInput = z.infer<typeof hubEventInputSchema>;

function parseTime(value: string, timeZone: string | undefined, field: string): EventTime {
  if (DATE.test(value)) return { kind: 'date', date: value };
  if (UTC.test(value)) return { kind: 'utc', utc: new Date(value).toISOString().replace(/\.\d{3}Z$/, 'Z') };
  const local = value.length === 16 ? `${value}:00` : value;
  if (!timeZone) return { kind: 'floating', local };
  const iana = resolveTzid(timeZone);
  if (!iana) throw new ValidationError(`unknown time zone "${timeZone}" for ${field}`, { field, timeZone });
  return { kind: 'zoned', local, tzid: iana, iana };
}

/** Times an update leaves alone are kept as stored, not re-parsed from their input form. */
interface KeptTimes {
  start?: EventTime;
  end?: EventTime;
}

function toEvent(input: HubEventInput, uid: string, previous?: CalendarEvent, kept: KeptTimes = {}): CalendarEvent {
  const start = kept.start ?? parseTime(input.start, input.timeZone, 'start');
  const end = kept.end ?? (input.end === undefined ? undefined : parseTime(input.end, input.timeZone, 'end'));
  if (end && (start.kind === 'date') !== (end.kind === 'date')) throw new ValidationError('start and end must both be dates or both be times');
  if (end) {
    // DTEND is exclusive: an all-day event ends at least a day after it starts; a timed one may last 0 s.
    const length = toInstantMs(end) - toInstantMs(start);
    if (length < 0 || (end.kind === 'date' && length === 0)) throw new ValidationError(`end must be after start (start ${input.start}, end ${input.end ?? ''})`, { field: 'end' });
  }
  const categories = input.categories ?? previous?.categories ?? [];
  const base: CalendarEvent = {
    ...(previous ?? { attendees: [], overrides: [], sequence: 0 }),
    uid,
    title: input.title,
    start,
    categories,
    wedding: previous?.wedding ?? { kind: 'other', kindSource: 'inferred' },
    sequence: previous ? previous.sequence + 1 : 0,
  } as CalendarEvent;
  if (end) base.end = end;
  else delete base.end;
  if (input.description !== undefined) base.description = input.description;
  if (input.location !== undefined) base.location = input.location;
  const wedding = input.kind
    ? { ...base.wedding, kind: input.kind as CalendarEvent['wedding']['kind'], kindSource: 'wedsync' as const }
    : classify({ title: base.title, categories, wedding: base.wedding });
  if (input.weddingId !== undefined) wedding.weddingId = input.weddingId;
  if (input.weddingDate !== undefined) wedding.weddingDate = input.weddingDate;
  if (input.emergency !== undefined) wedding.emergency = input.emergency;
  base.wedding = wedding;
  return base;
}

export interface HubWriteDeps {
  store: Store;
  clock: Clock;
}

export function parseHubEventInput(raw: unknown): HubEventInput {
  const parsed = hubEventInputSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ValidationError(`${issue?.path.join('.') || 'event'}: ${issue?.message ?? 'invalid'}`, { issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });
  }
  return parsed.data;
}

export async function createHubEvent(deps: HubWriteDeps, tenantId: string, raw: unknown, source: ChangeSource): Promise<HubEvent> {
  const input = parseHubEventInput(raw);
  const event = toEvent(input, `${randomUUID()}@calsync`);
  return deps.store.events.put(tenantId, { event, source });
}

/** The current event as input, so a partial update can be overlaid and validated as a whole. */
function currentAsInput(e: CalendarEvent): HubEventInput {
  const timeZone = timeZoneOf(e.start);
  return {
    title: e.title,
    start: timeToInput(e.start),
    ...(e.end ? { end: timeToInput(e.end) } : {}),
    ...(timeZone ? { timeZone } : {}),
    ...(e.description === undefined ? {} : { description: e.description }),
    ...(e.location === undefined ? {} : { location: e.location }),
  };
}

/** Updates the fields given (a partial input); the rest stay as they are. */
export async function updateHubEvent(deps: HubWriteDeps, tenantId: string, id: string, patch: unknown, source: ChangeSource, expectedVersion?: number): Promise<HubEvent> {
  const current = await deps.store.events.get(tenantId, id);
  if (!current) throw new NotFoundError('event', id);
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) throw new ValidationError('an update must be an object of event fields');
  const input = parseHubEventInput({ ...currentAsInput(current.event), ...patch });
  // The input form has one time zone for both ends; an event from Outlook may have two (a flight), or a
  // zone only its VTIMEZONE defines. Re-parsing untouched times would move or refuse them.
  const touched = (field: string): boolean => field in patch || 'timeZone' in patch;
  const kept: KeptTimes = {
    ...(touched('start') ? {} : { start: current.event.start }),
    ...(touched('end') || !current.event.end ? {} : { end: current.event.end }),
  };
  const event = toEvent(input, current.event.uid, current.event, kept);
  return deps.store.events.put(tenantId, { id, event, source, expectedVersion: expectedVersion ?? current.version });
}

export async function deleteHubEvent(deps: HubWriteDeps, tenantId: string, id: string, source: ChangeSource): Promise<HubEvent> {
  return deps.store.events.delete(tenantId, id, { source });
}

/**
 * Restore, the one use case behind `POST /api/v1/events/{id}/restore` and `calsync event restore`:
 * without `auditId` a deleted event comes back with its last content (a live one is returned as it is);
 * with it, the event is rolled back to that history entry. An unknown event or entry is NOT_FOUND.
 */
export async function restoreHubEvent(deps: HubWriteDeps, tenantId: string, id: string, opts: { auditId?: string } = {}): Promise<HubEvent> {
  const missing = (what: string, ref: string): CalsyncError => new CalsyncError('NOT_FOUND', `${what} ${ref} not found`, { details: { what, id: ref } });
  if (!(await deps.store.events.get(tenantId, id, { includeDeleted: true }))) throw missing('event', id);
  const { auditId } = opts;
  if (auditId !== undefined && !(await deps.store.events.history(tenantId, id)).some((a) => a.id === auditId)) throw missing('history entry', auditId);
  return deps.store.events.restore(tenantId, id, { source: 'restore', ...(auditId === undefined ? {} : { auditId }) });
}

function timeToInput(t: EventTime): string {
  switch (t.kind) {
    case 'date':
      return t.date;
    case 'utc':
      return t.utc;
    case 'floating':
    case 'zoned':
      return t.local;
  }
}

function timeZoneOf(t: EventTime): string | undefined {
  return t.kind === 'zoned' ? (t.iana ?? t.tzid) : undefined;
}
