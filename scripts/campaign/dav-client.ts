/**
 * The independent CalDAV client: another app editing the Radicale calendar directly (never through the
 * fault proxy), with plain fetch and HTTP Basic. Reads the whole calendar with one calendar-query
 * REPORT; writes with If-Match / If-None-Match as a careful client does.
 */
import { readIcs } from './ical.js';
import type { EventView } from './event-view.js';

export interface DavResource {
  href: string;
  etag: string;
  ics: string;
}

const xmlText = (s: string): string =>
  s
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n: string) => String.fromCodePoint(parseInt(n, 16)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');

const QUERY =
  '<?xml version="1.0" encoding="utf-8"?><c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">' +
  '<d:prop><d:getetag/><c:calendar-data/></d:prop><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"/></c:comp-filter></c:filter></c:calendar-query>';

export class DavClient {
  private readonly auth: string;

  constructor(
    readonly calendarUrl: string,
    user: string,
    password: string,
  ) {
    this.auth = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  }

  /** Every resource of the calendar with its data (one REPORT). */
  async list(): Promise<DavResource[]> {
    const res = await fetch(this.calendarUrl, {
      method: 'REPORT',
      headers: { authorization: this.auth, depth: '1', 'content-type': 'application/xml; charset=utf-8' },
      body: QUERY,
      signal: AbortSignal.timeout(60_000),
    });
    const xml = await res.text();
    if (res.status !== 207) throw new Error(`REPORT ${this.calendarUrl}: HTTP ${res.status} ${xml.slice(0, 300)}`);
    const out: DavResource[] = [];
    for (const m of xml.matchAll(/<(?:[\w-]+:)?response\b[^>]*>([\s\S]*?)<\/(?:[\w-]+:)?response>/g)) {
      const block = m[1] ?? '';
      const href = /<(?:[\w-]+:)?href>([^<]+)<\/(?:[\w-]+:)?href>/.exec(block)?.[1];
      const data = /<(?:[\w-]+:)?calendar-data\b[^>]*>([\s\S]*?)<\/(?:[\w-]+:)?calendar-data>/.exec(block)?.[1];
      if (!href || data === undefined) continue;
      const etag = /<(?:[\w-]+:)?getetag>([^<]*)<\/(?:[\w-]+:)?getetag>/.exec(block)?.[1] ?? '';
      out.push({ href: new URL(xmlText(href), this.calendarUrl).toString(), etag: xmlText(etag), ics: xmlText(data) });
    }
    return out;
  }

  async get(href: string): Promise<DavResource | undefined> {
    const res = await fetch(href, { headers: { authorization: this.auth }, signal: AbortSignal.timeout(30_000) });
    const ics = await res.text();
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw new Error(`GET ${href}: HTTP ${res.status}`);
    return { href, etag: res.headers.get('etag') ?? '', ics };
  }

  /** PUT; `ifMatch` an etag or `ifNoneMatch` for a create. Returns the status. */
  async put(href: string, ics: string, pre: { ifMatch?: string; ifNoneMatch?: boolean }): Promise<number> {
    const res = await fetch(href, {
      method: 'PUT',
      headers: {
        authorization: this.auth,
        'content-type': 'text/calendar; charset=utf-8',
        ...(pre.ifMatch ? { 'if-match': pre.ifMatch } : {}),
        ...(pre.ifNoneMatch ? { 'if-none-match': '*' } : {}),
      },
      body: ics,
      signal: AbortSignal.timeout(30_000),
    });
    await res.arrayBuffer();
    return res.status;
  }

  /** The calendar as the campaign compares it; unreadable resources are reported as such. */
  async views(): Promise<{ views: EventView[]; unreadable: { href: string; error: string }[] }> {
    const views: EventView[] = [];
    const unreadable: { href: string; error: string }[] = [];
    for (const r of await this.list()) {
      try {
        views.push({ side: 'caldav', ref: r.href, ...readIcs(r.ics) });
      } catch (err) {
        unreadable.push({ href: r.href, error: err instanceof Error ? err.message : String(err) });
      }
    }
    return { views, unreadable };
  }
}
