/** Raw CalDAV requests for assertions: what Radicale holds, and edits made by "another client". */
export interface DavItem {
  href: string;
  etag: string;
  body: string;
}

const auth = (user: string, password = 'x'): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** Every resource in a collection (PROPFIND Depth 1, then GET each). */
export async function davItems(collectionUrl: string, user: string): Promise<DavItem[]> {
  const response = await fetch(collectionUrl, {
    method: 'PROPFIND',
    headers: { Authorization: auth(user), Depth: '1', 'Content-Type': 'application/xml' },
    body: '<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>',
  });
  if (response.status !== 207) throw new Error(`PROPFIND ${collectionUrl}: HTTP ${response.status}`);
  const xml = await response.text();
  const base = new URL(collectionUrl).pathname;
  const hrefs = [...xml.matchAll(/<(?:\w+:)?href>([^<]+)<\/(?:\w+:)?href>/g)].map((m) => m[1] ?? '').filter((h) => h !== base && h.endsWith('.ics'));
  const items: DavItem[] = [];
  for (const href of hrefs.sort()) {
    const url = new URL(href, collectionUrl).toString();
    const got = await fetch(url, { headers: { Authorization: auth(user) } });
    if (got.status !== 200) throw new Error(`GET ${url}: HTTP ${got.status}`);
    items.push({ href: url, etag: got.headers.get('etag') ?? '', body: await got.text() });
  }
  return items;
}

/** Overwrites a resource as another client would (If-Match on the etag it read). */
export async function davPut(item: DavItem, user: string, body: string): Promise<void> {
  const response = await fetch(item.href, {
    method: 'PUT',
    headers: { Authorization: auth(user), 'Content-Type': 'text/calendar; charset=utf-8', 'If-Match': item.etag },
    body,
  });
  if (response.status !== 201 && response.status !== 204) throw new Error(`PUT ${item.href}: HTTP ${response.status} ${await response.text()}`);
}

/** Sets a VEVENT property (a whole content line, not X-LIC-LOCATION and friends) in an iCalendar body. */
export function setProp(body: string, name: string, value: string): string {
  const line = new RegExp(`\\r\\n${name}:[^\\r\\n]*`);
  if (!line.test(body)) throw new Error(`no ${name} line in ${body}`);
  return body.replace(line, `\r\n${name}:${value}`);
}
