/**
 * What a server does to the event it is given before storing it. Real servers never store our bytes
 * verbatim: Radicale and Xandikos re-serialize, stamp DTSTAMP/LAST-MODIFIED, and Graph sets
 * lastModifiedDateTime. The engine must take the stored copy as its base, so the memory server rewrites
 * by default too, in exactly the fields servers legitimately touch.
 */
import type { CalendarEvent, EventFields, Unmodelled } from '../../model/event.js';

export interface RewriteContext {
  /** The server's clock as an ISO instant. */
  now: string;
}

export type StoredCopyRewrite = (event: CalendarEvent, ctx: RewriteContext) => CalendarEvent;

/** iCalendar DTSTAMP as jCal wants it (`YYYY-MM-DDTHH:mm:ssZ`, no milliseconds). */
function dtstampValue(iso: string): string {
  return `${iso.slice(0, 19)}Z`;
}

function withDtstamp(extra: Unmodelled | undefined, now: string): Unmodelled {
  const kept = (extra?.properties ?? []).filter((p) => !(Array.isArray(p) && p[0] === 'dtstamp'));
  return { ...extra, properties: [...kept, ['dtstamp', {}, 'date-time', dtstampValue(now)]] };
}

function stampFields<T extends EventFields>(fields: T, now: string): T {
  return { ...fields, lastModified: now, extra: withDtstamp(fields.extra, now) };
}

/**
 * The default rewrite, like a CalDAV server: LAST-MODIFIED set to the server's time and a fresh DTSTAMP
 * (kept in `extra`) on the master and on every override. Nothing else changes.
 */
export const stampLikeCalDav: StoredCopyRewrite = (event, { now }) => ({
  ...stampFields(event, now),
  overrides: event.overrides.map((o) => stampFields(o, now)),
});
