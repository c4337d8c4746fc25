/**
 * Raw WebDAV/CalDAV requests the benchmark makes as "another client" (plain fetch, nothing of calsync's
 * client): editing events, warming Radicale, and timing the server's own floor
 * for the requests each tool relies on.
 */
export interface DavAccount {
  /** The calendar collection URL, e.g. `http://127.0.0.1:PORT/bench/cal/`. */
  calendarUrl: string;
  username: string;
  password: string;
}

const XML = 'application/xml; charset=utf-8';
const TIMEOUT_MS = 15 * 60_000;

function auth(account: DavAccount): Record<string, string> {
  return { Authorization: `Basic ${Buffer.from(`${account.username}:${account.password}`).toString('base64')}` };
}

export interface TimedAnswer {
  status: number;
  body: string;
  seconds: number;
}

export async function davRequest(account: DavAccount, method: string, url: string, headers: Record<string, string>, body?: string): Promise<TimedAnswer> {
  const started = performance.now();
  const response = await fetch(url, {
    method,
    headers: { ...auth(account), ...headers },
    ...(body === undefined ? {} : { body }),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  const text = await response.text();
  return { status: response.status, body: text, seconds: (performance.now() - started) / 1000 };
}

function expectStatus(answer: TimedAnswer, ok: readonly number[], what: string): TimedAnswer {
  if (!ok.includes(answer.status)) throw new Error(`${what}: HTTP ${answer.status} ${answer.body.slice(0, 500)}`);
  return answer;
}

/** Replaces one resource, as another calendar app would (no If-Match: the benchmark is the only writer). */
export async function putResource(account: DavAccount, href: string, ical: string): Promise<TimedAnswer> {
  const url = new URL(href, account.calendarUrl).toString();
  return expectStatus(await davRequest(account, 'PUT', url, { 'Content-Type': 'text/calendar; charset=utf-8' }, ical), [200, 201, 204], `PUT ${href}`);
}

const CTAG_BODY =
  '<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:" xmlns:cs="http://calendarserver.org/ns/">' +
  '<d:prop><cs:getctag/><d:sync-token/></d:prop></d:propfind>';
const CTAG_ONLY_BODY =
  '<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:" xmlns:cs="http://calendarserver.org/ns/"><d:prop><cs:getctag/></d:prop></d:propfind>';
const ETAGS_BODY = '<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:"><d:prop><d:resourcetype/><d:getcontenttype/><d:getetag/></d:prop></d:propfind>';
const QUERY_BODY =
  '<?xml version="1.0" encoding="utf-8"?><c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">' +
  '<d:prop><d:getetag/><c:calendar-data/></d:prop><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"/></c:comp-filter></c:filter></c:calendar-query>';
const syncBody = (token: string): string =>
  '<?xml version="1.0" encoding="utf-8"?><d:sync-collection xmlns:d="DAV:">' +
  `<d:sync-token>${token}</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>`;

/** CTag and sync-token (PROPFIND Depth 0): calsync's "did anything change?" request. */
export async function ctagPropfind(account: DavAccount): Promise<TimedAnswer> {
  return expectStatus(await davRequest(account, 'PROPFIND', account.calendarUrl, { Depth: '0', 'Content-Type': XML }, CTAG_BODY), [207], 'CTag PROPFIND');
}

/** CTag alone (PROPFIND Depth 0 without the sync-token): what the no-change check costs without it. */
export async function ctagOnlyPropfind(account: DavAccount): Promise<TimedAnswer> {
  return expectStatus(await davRequest(account, 'PROPFIND', account.calendarUrl, { Depth: '0', 'Content-Type': XML }, CTAG_ONLY_BODY), [207], 'CTag-only PROPFIND');
}

/** PROPFIND Depth 1 for etags: how vdirsyncer lists a CalDAV collection (no date range configured). */
export async function etagPropfind(account: DavAccount): Promise<TimedAnswer> {
  return expectStatus(await davRequest(account, 'PROPFIND', account.calendarUrl, { Depth: '1', 'Content-Type': XML }, ETAGS_BODY), [207], 'PROPFIND Depth 1');
}

/** calendar-query for every VEVENT with its data: calsync's full listing. */
export async function calendarQuery(account: DavAccount): Promise<TimedAnswer> {
  return expectStatus(await davRequest(account, 'REPORT', account.calendarUrl, { Depth: '1', 'Content-Type': XML }, QUERY_BODY), [207], 'calendar-query');
}

/** sync-collection (RFC 6578) from `token` ('' for all members). */
export async function syncCollection(account: DavAccount, token: string): Promise<TimedAnswer> {
  return expectStatus(await davRequest(account, 'REPORT', account.calendarUrl, { Depth: '0', 'Content-Type': XML }, syncBody(token)), [207], 'sync-collection');
}

/** The sync-token of a multistatus (sync-collection answer or PROPFIND of the collection). */
export function syncTokenOf(body: string): string {
  const match = /<(?:[\w-]+:)?sync-token[^>]*>([^<]+)<\/(?:[\w-]+:)?sync-token>/.exec(body);
  if (!match?.[1]) throw new Error('no sync-token in the answer');
  return match[1].trim();
}

function unescapeXml(text: string): string {
  return text.replace(/&(lt|gt|quot|apos|amp|#(\d+)|#x([0-9a-f]+));/gi, (_, name: string, dec?: string, hex?: string) => {
    if (dec) return String.fromCodePoint(Number(dec));
    if (hex) return String.fromCodePoint(parseInt(hex, 16));
    return ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' } as Record<string, string>)[name.toLowerCase()] ?? '';
  });
}

/**
 * UID → href of every resource in a calendar-query answer (how the benchmark finds the resources it
 * edits: Radicale names the items of a collection PUT itself).
 */
export function hrefsByUid(multistatus: string): Map<string, string> {
  const byUid = new Map<string, string>();
  for (const chunk of multistatus.split(/<\/(?:[\w-]+:)?response>/)) {
    const href = /<(?:[\w-]+:)?href>([^<]+)<\/(?:[\w-]+:)?href>/.exec(chunk)?.[1];
    const data = /<(?:[\w-]+:)?calendar-data[^>]*>([\s\S]*?)<\/(?:[\w-]+:)?calendar-data>/.exec(chunk)?.[1];
    if (!href || data === undefined) continue;
    const unfolded = unescapeXml(data).replace(/\r?\n[ \t]/g, '');
    const uid = /^UID:(.+)$/m.exec(unfolded)?.[1]?.trim();
    if (uid && !byUid.has(uid)) byUid.set(uid, unescapeXml(href));
  }
  return byUid;
}

/** Number of `<response>` elements for members (the collection's own response excluded). */
export function memberCount(multistatus: string, collectionPath: string): number {
  let count = 0;
  for (const match of multistatus.matchAll(/<(?:[\w-]+:)?href>([^<]+)<\/(?:[\w-]+:)?href>/g)) {
    const href = decodeURIComponent(unescapeXml(match[1] ?? '')).replace(/\/$/, '');
    if (href !== collectionPath.replace(/\/$/, '')) count += 1;
  }
  return count;
}
