/** Raw CalDAV requests for `npm run bench -- e2e`, as another client of Radicale (HTTP Basic). */
export interface DavAuth {
  user: string;
  password: string;
}

const authHeader = (a: DavAuth): string => `Basic ${Buffer.from(`${a.user}:${a.password}`).toString('base64')}`;

/** iCalendar with folded lines joined (RFC 5545 §3.1). */
export function unfold(ics: string): string {
  return ics.replace(/\r?\n[ \t]/g, '');
}

export async function davGet(href: string, auth: DavAuth): Promise<{ status: number; etag?: string; body: string }> {
  const res = await fetch(href, { headers: { authorization: authHeader(auth) } });
  const body = await res.text();
  const etag = res.headers.get('etag') ?? undefined;
  return { status: res.status, body, ...(etag ? { etag } : {}) };
}

/** PUT text/calendar; with `etag`, If-Match. Returns the status. */
export async function davPut(href: string, auth: DavAuth, ics: string, etag?: string): Promise<number> {
  const res = await fetch(href, { method: 'PUT', headers: { authorization: authHeader(auth), 'content-type': 'text/calendar; charset=utf-8', ...(etag ? { 'if-match': etag } : {}) }, body: ics });
  await res.arrayBuffer();
  return res.status;
}

/** The .ics resources of a collection (PROPFIND Depth 1), as absolute URLs. */
export async function davHrefs(collectionUrl: string, auth: DavAuth): Promise<string[]> {
  const res = await fetch(collectionUrl, { method: 'PROPFIND', headers: { authorization: authHeader(auth), depth: '1', 'content-type': 'application/xml' }, body: '<?xml version="1.0"?><propfind xmlns="DAV:"><prop><getetag/></prop></propfind>' });
  const xml = await res.text();
  return [...xml.matchAll(/<(?:[A-Za-z]+:)?href>([^<]+\.ics)<\/(?:[A-Za-z]+:)?href>/g)].map((m) => new URL(m[1] ?? '', collectionUrl).toString());
}

/** The first VEVENT's LOCATION replaced by `location` (added when absent); the text is unfolded first. */
export function setLocation(ics: string, location: string): string {
  const lines = unfold(ics).split(/\r?\n/);
  const out: string[] = [];
  let inEvent = false;
  let done = false;
  for (const line of lines) {
    if (line === 'BEGIN:VEVENT') inEvent = true;
    if (inEvent && !done && /^LOCATION[;:]/.test(line)) continue;
    if (inEvent && !done && line === 'END:VEVENT') {
      out.push(`LOCATION:${location}`);
      inEvent = false;
      done = true;
    }
    out.push(line);
  }
  return out.join('\r\n');
}
