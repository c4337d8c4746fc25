/**
 * CalDAV discovery (RFC 6764, RFC 4791 §6.2.1, RFC 5397): start URL or `/.well-known/caldav` →
 * `current-user-principal` → `calendar-home-set` (possibly an absolute URL on another host, as on
 * iCloud) → the calendars in each home with their display properties and change markers.
 */
import { CalsyncError, isCalsyncError } from '../../errors.js';
import type { DavClient } from './dav-client.js';
import { propfindBody } from './dav-bodies.js';
import { foundProp, parseMultistatus } from './multistatus.js';
import { APPLE_ICAL, CALDAV, CALENDARSERVER, DAV, XML_CONTENT_TYPE, type XmlName } from './names.js';
import { componentNames, isCalendar, isWritable, normalizeColor, reportNames } from './properties.js';
import { childrenNamed } from './xml.js';

export interface DiscoveredCalendar {
  /** Absolute URL of the collection (the provider's calendar id). */
  url: string;
  name: string;
  color: string | undefined;
  components: string[] | undefined;
  writable: boolean;
  ctag: string | undefined;
  syncToken: string | undefined;
  reports: Set<string>;
}

const PRINCIPAL_PROPS: readonly XmlName[] = [DAV.currentUserPrincipal, CALDAV.calendarHomeSet, DAV.resourcetype];
const CALENDAR_PROPS: readonly XmlName[] = [
  DAV.resourcetype,
  DAV.displayname,
  APPLE_ICAL.calendarColor,
  CALDAV.supportedCalendarComponentSet,
  CALENDARSERVER.getctag,
  DAV.syncToken,
  DAV.supportedReportSet,
  DAV.currentUserPrivilegeSet,
];

/** Failures that mean "not here, try the next candidate" rather than "stop". */
function isMiss(err: unknown): boolean {
  return isCalsyncError(err) && (err.code === 'PROVIDER_NOT_FOUND' || err.code === 'PROVIDER_REJECTED');
}

async function propfind0(client: DavClient, url: string, props: readonly XmlName[]): Promise<{ url: string; body: string }> {
  const answer = await client.request({
    method: 'PROPFIND',
    url,
    headers: { 'Content-Type': XML_CONTENT_TYPE, Depth: '0' },
    body: propfindBody(props),
    followRedirects: true,
  });
  return { url: answer.url, body: answer.body };
}

function hrefsIn(body: string, base: string, prop: XmlName): string[] {
  const self = parseMultistatus(body, base).responses[0];
  const element = self ? foundProp(self, prop) : undefined;
  // Resolve against the URL that answered: iCloud's home set is absolute on another host.
  return childrenNamed(element, DAV.href).map((h) => new URL(h.text.trim(), base).toString());
}

/** The calendar-home-set URLs for the account behind `startUrl`. */
export async function findCalendarHomes(client: DavClient, startUrl: string): Promise<string[]> {
  const start = new URL(startUrl);
  const wellKnown = new URL('/.well-known/caldav', start).toString();
  // RFC 6764 §5: with only a host to go on, the well-known URL comes first.
  const candidates = start.pathname === '/' || start.pathname === '' ? [wellKnown, start.toString()] : [start.toString(), wellKnown];
  for (const candidate of candidates) {
    let answer: { url: string; body: string };
    try {
      answer = await propfind0(client, candidate, PRINCIPAL_PROPS);
    } catch (err) {
      if (isMiss(err)) continue;
      throw err;
    }
    const homes = hrefsIn(answer.body, answer.url, CALDAV.calendarHomeSet);
    if (homes.length > 0) return homes;
    const [principal] = hrefsIn(answer.body, answer.url, DAV.currentUserPrincipal);
    if (principal === undefined) continue;
    const fromPrincipal = await propfind0(client, principal, [CALDAV.calendarHomeSet]);
    const principalHomes = hrefsIn(fromPrincipal.body, fromPrincipal.url, CALDAV.calendarHomeSet);
    if (principalHomes.length > 0) return principalHomes;
  }
  throw new CalsyncError('PROVIDER_REJECTED', `no CalDAV calendar home found at ${start.origin}`, { details: { url: start.origin } });
}

/** The calendar collections in one home (PROPFIND Depth 1), with everything change detection needs. */
export async function listCalendarsIn(client: DavClient, homeUrl: string): Promise<DiscoveredCalendar[]> {
  const answer = await client.request({
    method: 'PROPFIND',
    url: homeUrl,
    headers: { 'Content-Type': XML_CONTENT_TYPE, Depth: '1' },
    body: propfindBody(CALENDAR_PROPS),
  });
  return parseMultistatus(answer.body, answer.url).responses.flatMap((response): DiscoveredCalendar[] => {
    if (!isCalendar(foundProp(response, DAV.resourcetype))) return [];
    const url = new URL(response.href, answer.url).toString();
    const name = foundProp(response, DAV.displayname)?.text.trim();
    return [
      {
        url,
        name: name || decodeURIComponent(url.replace(/\/$/, '').split('/').pop() ?? url),
        color: normalizeColor(foundProp(response, APPLE_ICAL.calendarColor)?.text),
        components: componentNames(foundProp(response, CALDAV.supportedCalendarComponentSet)),
        writable: isWritable(foundProp(response, DAV.currentUserPrivilegeSet)),
        ctag: foundProp(response, CALENDARSERVER.getctag)?.text.trim() || undefined,
        syncToken: foundProp(response, DAV.syncToken)?.text.trim() || undefined,
        reports: reportNames(foundProp(response, DAV.supportedReportSet)),
      },
    ];
  });
}
