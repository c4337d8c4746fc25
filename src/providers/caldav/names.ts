/**
 * Every XML namespace and element name the CalDAV client reads or writes, in one place (as libdav's
 * `names.rs`). Names are kept in Clark notation (`{namespace}local`) because servers pick their own
 * prefixes (Radicale writes `C:`, Xandikos `ns1:`), so only namespace + local name identify an element.
 */

export const NS = {
  DAV: 'DAV:',
  CALDAV: 'urn:ietf:params:xml:ns:caldav',
  CALENDARSERVER: 'http://calendarserver.org/ns/',
  APPLE_ICAL: 'http://apple.com/ns/ical/',
  /** WebDAV-Push (draft-bitfire-webdav-push). */
  PUSH: 'https://bitfire.at/webdav-push',
} as const;

/** The prefixes we write in request bodies (any prefix works; these are the customary ones). */
export const PREFIX: Record<string, string> = {
  [NS.DAV]: 'd',
  [NS.CALDAV]: 'c',
  [NS.CALENDARSERVER]: 'cs',
  [NS.APPLE_ICAL]: 'ical',
  [NS.PUSH]: 'P',
};

/** A qualified XML name. */
export interface XmlName {
  readonly ns: string;
  readonly local: string;
  /** `{ns}local`, the key the parser produces. */
  readonly clark: string;
}

function name(ns: string, local: string): XmlName {
  return { ns, local, clark: `{${ns}}${local}` };
}

const dav = (local: string): XmlName => name(NS.DAV, local);
const caldav = (local: string): XmlName => name(NS.CALDAV, local);

export const DAV = {
  multistatus: dav('multistatus'),
  response: dav('response'),
  href: dav('href'),
  status: dav('status'),
  propstat: dav('propstat'),
  prop: dav('prop'),
  propfind: dav('propfind'),
  error: dav('error'),
  resourcetype: dav('resourcetype'),
  collection: dav('collection'),
  displayname: dav('displayname'),
  getetag: dav('getetag'),
  syncToken: dav('sync-token'),
  syncLevel: dav('sync-level'),
  syncCollection: dav('sync-collection'),
  validSyncToken: dav('valid-sync-token'),
  currentUserPrincipal: dav('current-user-principal'),
  currentUserPrivilegeSet: dav('current-user-privilege-set'),
  privilege: dav('privilege'),
  write: dav('write'),
  writeContent: dav('write-content'),
  all: dav('all'),
  supportedReportSet: dav('supported-report-set'),
  supportedReport: dav('supported-report'),
  report: dav('report'),
  set: dav('set'),
  depth: dav('depth'),
} as const;

export const CALDAV = {
  calendar: caldav('calendar'),
  calendarHomeSet: caldav('calendar-home-set'),
  calendarData: caldav('calendar-data'),
  calendarQuery: caldav('calendar-query'),
  calendarMultiget: caldav('calendar-multiget'),
  mkcalendar: caldav('mkcalendar'),
  filter: caldav('filter'),
  compFilter: caldav('comp-filter'),
  propFilter: caldav('prop-filter'),
  textMatch: caldav('text-match'),
  timeRange: caldav('time-range'),
  comp: caldav('comp'),
  supportedCalendarComponentSet: caldav('supported-calendar-component-set'),
  noUidConflict: caldav('no-uid-conflict'),
  /** RFC 6638's precondition for the same clash; Cyrus names it instead of `no-uid-conflict`. */
  uniqueSchedulingObjectResource: caldav('unique-scheduling-object-resource'),
} as const;

export const CALENDARSERVER = {
  getctag: name(NS.CALENDARSERVER, 'getctag'),
} as const;

export const APPLE_ICAL = {
  calendarColor: name(NS.APPLE_ICAL, 'calendar-color'),
} as const;

const push = (local: string): XmlName => name(NS.PUSH, local);

/** WebDAV-Push elements (draft-bitfire-webdav-push, its RELAX NG schema `xml/webdav-push.rng`). */
export const PUSH = {
  // collection properties
  transports: push('transports'),
  webPush: push('web-push'),
  vapidPublicKey: push('vapid-public-key'),
  topic: push('topic'),
  supportedTriggers: push('supported-triggers'),
  contentUpdate: push('content-update'),
  propertyUpdate: push('property-update'),
  // registration
  pushRegister: push('push-register'),
  subscription: push('subscription'),
  webPushSubscription: push('web-push-subscription'),
  pushResource: push('push-resource'),
  contentEncoding: push('content-encoding'),
  subscriptionPublicKey: push('subscription-public-key'),
  authSecret: push('auth-secret'),
  trigger: push('trigger'),
  expires: push('expires'),
  // push message
  pushMessage: push('push-message'),
} as const;

/** The `DAV:` header token of a server that offers WebDAV-Push on a resource. */
export const WEBDAV_PUSH_CLASS = 'webdav-push';

/** Content type for request bodies: Xandikos answers 415 to anything else. */
export const XML_CONTENT_TYPE = 'application/xml; charset=utf-8';
export const ICAL_CONTENT_TYPE = 'text/calendar; charset=utf-8';
