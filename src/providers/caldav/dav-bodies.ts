/** Request bodies for the WebDAV/CalDAV methods we send (RFC 4918, 4791, 6578; WebDAV-Push). */
import { CALDAV, DAV, PUSH, type XmlName } from './names.js';
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

/** What a WebDAV-Push registration names (draft-bitfire-webdav-push, "Subscription Registration"). */
export interface PushRegisterInput {
  /** Absolute URL the server POSTs push messages to (the Web Push "push resource"). */
  pushResource: string;
  /** Our P-256 public key, uncompressed, base64url (RFC 8291 `ua_public`). */
  subscriptionPublicKey: string;
  /** 16 random bytes, base64url (RFC 8291 `auth_secret`). */
  authSecret: string;
  /** Requested expiry; the server may shorten it. */
  expires: Date;
}

/**
 * `push-register` for content updates of the collection's members (depth 1): a web-push-subscription
 * with message encryption (`aes128gcm`, RFC 8291) and the requested expiry as an IMF-fixdate.
 */
export function pushRegisterBody(input: PushRegisterInput): string {
  const subscription = el(PUSH.webPushSubscription, [
    el(PUSH.pushResource, escapeXml(input.pushResource)),
    el(PUSH.contentEncoding, 'aes128gcm'),
    el(PUSH.subscriptionPublicKey, escapeXml(input.subscriptionPublicKey), { type: 'p256dh' }),
    el(PUSH.authSecret, escapeXml(input.authSecret)),
  ]);
  const trigger = el(PUSH.trigger, el(PUSH.contentUpdate, el(DAV.depth, '1')));
  // Date#toUTCString is exactly IMF-fixdate (RFC 9110 §5.6.7): `Wed, 02 Oct 2024 07:28:00 GMT`.
  return xmlDocument(PUSH.pushRegister, [el(PUSH.subscription, subscription), trigger, el(PUSH.expires, input.expires.toUTCString())]);
}
