/** Request bodies for the WebDAV/CalDAV methods we send (RFC 4918, 4791, 6578). */
import { CALDAV, DAV, type XmlName } from './names.js';
import { el, escapeXml, xmlDocument } from './xml.js';

function propList(props: readonly XmlName[]): string {
  return el(
    DAV.prop,
    props.map((p) => el(p)),
  );
}

export function propfindBody(props: readonly XmlName[]): string {
  return xmlDocument(DAV.propfind, [propList(props)]);
}

/** RFC 6578 §3.2; an empty token asks for the whole collection. */
export function syncCollectionBody(token: string, props: readonly XmlName[]): string {
  return xmlDocument(DAV.syncCollection, [el(DAV.syncToken, escapeXml(token)), el(DAV.syncLevel, '1'), propList(props)]);
}

export interface QueryFilter {
  /** Only resources whose VEVENT has this UID (exact, case-sensitive). */
  uid?: string;
  /** UTC instants; start inclusive, end exclusive (RFC 4791 §9.9). */
  timeRange?: { start: Date; end: Date };
}

function utcStamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/**
 * calendar-query for VEVENTs. The VEVENT comp-filter is not optional: iCloud rejects or mixes in
 * VTODOs without it (lessons.md #15).
 */
export function calendarQueryBody(props: readonly XmlName[], filter: QueryFilter = {}): string {
  const inner: string[] = [];
  if (filter.timeRange) {
    inner.push(el(CALDAV.timeRange, '', { start: utcStamp(filter.timeRange.start), end: utcStamp(filter.timeRange.end) }));
  }
  if (filter.uid !== undefined) {
    inner.push(el(CALDAV.propFilter, el(CALDAV.textMatch, escapeXml(filter.uid), { collation: 'i;octet' }), { name: 'UID' }));
  }
  const vevent = el(CALDAV.compFilter, inner, { name: 'VEVENT' });
  const filterXml = el(CALDAV.filter, el(CALDAV.compFilter, vevent, { name: 'VCALENDAR' }));
  return xmlDocument(CALDAV.calendarQuery, [propList(props), filterXml]);
}

export function multigetBody(props: readonly XmlName[], hrefs: readonly string[]): string {
  return xmlDocument(CALDAV.calendarMultiget, [propList(props), ...hrefs.map((h) => el(DAV.href, escapeXml(h)))]);
}

export function mkcalendarBody(displayName: string, components: readonly string[] = ['VEVENT']): string {
  const componentSet = el(
    CALDAV.supportedCalendarComponentSet,
    components.map((name) => el(CALDAV.comp, '', { name })),
  );
  return xmlDocument(CALDAV.mkcalendar, [el(DAV.set, el(DAV.prop, [el(DAV.displayname, escapeXml(displayName)), componentSet]))]);
}
