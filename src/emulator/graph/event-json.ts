/**
 * Rendering of events and calendars as Graph JSON (resources/event.md, resources/calendar.md):
 * every property present (unset ones as Graph's defaults or null), `@odata.etag` = W/"changeKey",
 * times in the `Prefer: outlook.timezone` zone or UTC.
 */
import { type BodyType, type StoredBody, renderBody } from './body-format.js';
import { occurrenceICalUId } from './ids.js';
import { publicId } from './instances.js';
import type { Calendar, Instance, Mailbox } from './model.js';
import { instantToWall, iso7, toWindows } from './time-zones.js';

export interface RenderOptions {
  /** Zone named by `Prefer: outlook.timezone`; UTC when absent. */
  zone: string | undefined;
  /** `$select` (lower-cased names); id and @odata.etag are always returned. */
  select?: Set<string>;
  /** `$expand=singleValueExtendedProperties($filter=…)`: which extended properties to include. */
  expandExtended?: (id: string) => boolean;
  /** The body's form: HTML unless the reader asked for text (`stored`: as written, the lenient mode). */
  body?: BodyType | 'stored';
  /** `Prefer: IdType="ImmutableId"`: ids that survive moves; otherwise regular ids. */
  immutableIds?: boolean;
  /** All-day series report `originalStartTimeZone: "UTC"` (live quirk; StrictOptions.allDayOriginalZoneUtc). */
  allDaySeriesZoneUtc?: boolean;
}

export const etag = (changeKey: string): string => `W/"${changeKey}"`;

function bodyPreview(body: unknown): string {
  const content = typeof body === 'object' && body !== null ? (body as { content?: unknown }).content : undefined;
  if (typeof content !== 'string') return '';
  return content.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 255);
}

function dateTimeTimeZone(ms: number, originalZone: string, isAllDay: boolean, zone: string | undefined): { dateTime: string; timeZone: string } {
  const target = zone ?? 'UTC';
  // All-day events float: midnight to midnight whatever zone the reader asks for.
  const wall = isAllDay ? instantToWall(ms, originalZone) : instantToWall(ms, target);
  return { dateTime: wall, timeZone: target };
}

const originalStart = (ms: number): string => new Date(ms).toISOString().replace(/\.000Z$/, 'Z');

function bodyOf(props: Record<string, unknown>, wanted: BodyType | 'stored'): StoredBody {
  const b = props.body as { contentType?: unknown; content?: unknown } | null | undefined;
  const stored: StoredBody = { contentType: b?.contentType === 'text' ? 'text' : 'html', content: typeof b?.content === 'string' ? b.content : '' };
  return renderBody(stored, wanted);
}

export function renderInstance(inst: Instance, mb: Mailbox, opts: RenderOptions): Record<string, unknown> {
  const ev = inst.event;
  const p = inst.props;
  const id = publicId(mb, inst.id, opts.immutableIds === true);
  const body = bodyOf(p, opts.body ?? 'stored');
  // The quirk: an all-day series (and its instances) claims UTC while its times are the creator's midnight.
  const zoneQuirk = opts.allDaySeriesZoneUtc === true && inst.times.isAllDay && ev.recurrence !== null;
  const full: Record<string, unknown> = {
    '@odata.etag': etag(inst.changeKey),
    id,
    createdDateTime: iso7(ev.createdMs),
    lastModifiedDateTime: iso7(inst.lastModifiedMs),
    changeKey: inst.changeKey,
    categories: p.categories ?? [],
    transactionId: inst.type === 'occurrence' || inst.type === 'exception' ? null : ev.transactionId,
    originalStartTimeZone: zoneQuirk ? 'UTC' : toWindows(inst.times.startZone),
    originalEndTimeZone: zoneQuirk ? 'UTC' : toWindows(inst.times.endZone),
    iCalUId: inst.originalStartMs === null ? ev.iCalUId : occurrenceICalUId(ev.iCalUId, inst.originalStartMs),
    reminderMinutesBeforeStart: p.reminderMinutesBeforeStart ?? 15,
    isReminderOn: p.isReminderOn ?? true,
    hasAttachments: false,
    subject: p.subject ?? '',
    bodyPreview: bodyPreview(body),
    importance: p.importance ?? 'normal',
    sensitivity: p.sensitivity ?? 'normal',
    isAllDay: inst.times.isAllDay,
    isCancelled: false,
    isOrganizer: true,
    responseRequested: p.responseRequested ?? true,
    seriesMasterId: inst.originalStartMs === null ? null : publicId(mb, ev.id, opts.immutableIds === true),
    showAs: p.showAs ?? 'busy',
    type: inst.type,
    webLink: `https://outlook.office365.com/owa/?itemid=${encodeURIComponent(id)}&exvsurl=1&path=/calendar/item`,
    onlineMeetingUrl: null,
    isOnlineMeeting: p.isOnlineMeeting ?? false,
    onlineMeetingProvider: p.onlineMeetingProvider ?? 'unknown',
    allowNewTimeProposals: p.allowNewTimeProposals ?? true,
    isDraft: false,
    hideAttendees: p.hideAttendees ?? false,
    responseStatus: { response: 'organizer', time: '0001-01-01T00:00:00Z' },
    body,
    start: dateTimeTimeZone(inst.times.startMs, inst.times.startZone, inst.times.isAllDay, opts.zone),
    end: dateTimeTimeZone(inst.times.endMs, inst.times.endZone, inst.times.isAllDay, opts.zone),
    location: p.location ?? { displayName: '', locationType: 'default', uniqueIdType: 'unknown', address: {}, coordinates: {} },
    locations: p.locations ?? [],
    recurrence: inst.type === 'seriesMaster' ? ev.recurrence : null,
    attendees: p.attendees ?? [],
    organizer: p.organizer ?? { emailAddress: { name: mb.displayName, address: mb.userPrincipalName } },
    onlineMeeting: null,
  };
  if (inst.originalStartMs !== null) full.originalStart = originalStart(inst.originalStartMs);
  const out = opts.select ? pick(full, opts.select) : full;
  if (opts.expandExtended) {
    const props = [...ev.extended.values()].filter((e) => opts.expandExtended?.(e.id));
    // Graph omits the navigation property when nothing matched the $filter.
    if (props.length > 0) out.singleValueExtendedProperties = props.map((e) => ({ id: e.id, value: e.value }));
  }
  return out;
}

function pick(full: Record<string, unknown>, select: Set<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(full)) {
    if (k === '@odata.etag' || k === 'id' || select.has(k.toLowerCase())) out[k] = v;
  }
  return out;
}

/** The shape of an item in a delta page that is gone from the view. */
export function removedItem(id: string): Record<string, unknown> {
  return { '@odata.type': '#microsoft.graph.event', id, '@removed': { reason: 'deleted' } };
}

export function renderCalendar(cal: Calendar, mb: Mailbox): Record<string, unknown> {
  return {
    '@odata.etag': etag(cal.changeKey),
    id: cal.id,
    name: cal.name,
    color: cal.color,
    hexColor: cal.hexColor,
    isDefaultCalendar: cal.isDefaultCalendar,
    changeKey: cal.changeKey,
    canShare: true,
    canViewPrivateItems: true,
    canEdit: true,
    allowedOnlineMeetingProviders: ['teamsForBusiness'],
    defaultOnlineMeetingProvider: 'teamsForBusiness',
    isTallyingResponses: true,
    isRemovable: !cal.isDefaultCalendar,
    owner: { name: mb.displayName, address: mb.userPrincipalName },
  };
}
