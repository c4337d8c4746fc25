/**
 * Reading WebDAV 207 Multi-Status bodies (RFC 4918 §13) into plain records: one per `DAV:response`,
 * with its href normalized, its propstats by status, and the body-level sync-token (RFC 6578).
 *
 * `readMultistatus` reads a body as it streams in and hands over each response as soon as it is
 * complete, so a 10,000-item listing is never in memory as one text or one tree. It resolves only once
 * the whole document was read and found well-formed: a listing is complete or it throws.
 */
import { CalsyncError } from '../../errors.js';
import { detach } from '../../util/detach.js';
import { DAV } from './names.js';
import { child, childrenNamed, XmlReader, type XmlElement } from './xml.js';

export interface DavPropstat {
  status: number;
  /** The `DAV:prop` element; its children are the properties. */
  prop: XmlElement | undefined;
}

export interface DavResponse {
  /** Normalized absolute path (see `normalizeHref`). */
  href: string;
  /** A response-level status (sync-collection removals, per-resource errors, 507 truncation). */
  status: number | undefined;
  propstats: DavPropstat[];
  /** A `DAV:error` element (preconditions such as `no-uid-conflict`). */
  error: XmlElement | undefined;
}

export interface Multistatus {
  responses: DavResponse[];
  /** Top-level `DAV:sync-token` of a sync-collection answer. */
  syncToken: string | undefined;
}

/** `HTTP/1.1 404 Not Found` → 404; anything unreadable → 0. */
export function parseStatusLine(line: string | undefined): number {
  const match = /^\s*HTTP\/\d(?:\.\d)?\s+(\d{3})/i.exec(line ?? '');
  return match ? Number(match[1]) : 0;
}

/**
 * One canonical form for an href, so the same resource compares equal whatever encoding the server
 * chose (Radicale and Xandikos differ; Xandikos once answered with an encoded absolute URL): an absolute
 * path with every segment decoded and re-encoded the same way.
 */
/**
 * An absolute path that is already in the canonical form: only characters `encodeSegment` leaves as
 * they are, no `%`, no dot segments (the URL parser would resolve those). Nearly every href a server
 * sends is one; `normalizeHref` returns them as they are.
 */
const CANONICAL_PATH = /^(?:\/(?!\.\.?(?:\/|$))[A-Za-z0-9\-_.!~*'()@:+,;=$&]*)+$/;

export function normalizeHref(href: string, base: string): string {
  // Hrefs are kept (item ids): a copy, not a view into the chunk of the body they were read from.
  if (CANONICAL_PATH.test(href)) return detach(href);
  let raw = href.trim();
  // Xandikos 0.2.8 sometimes percent-encodes the scheme separator of an absolute URL.
  if (/^https?%3A\/\//i.test(raw)) raw = decodeURIComponent(raw);
  const url = new URL(raw, base);
  return url.pathname
    .split('/')
    .map((segment) => encodeSegment(safeDecode(segment)))
    .join('/');
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** encodeURIComponent, but keeping the sub-delimiters and `@` that servers leave bare. */
export function encodeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/%(40|3A|2B|2C|3B|3D|21|24|26|27|28|29|2A)/gi, (_, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)),
  );
}

function propstatsOf(response: XmlElement): DavPropstat[] {
  const out: DavPropstat[] = [];
  for (const ps of childrenNamed(response, DAV.propstat)) out.push({ status: parseStatusLine(child(ps, DAV.status)?.text), prop: child(ps, DAV.prop) });
  return out;
}

function toResponse(response: XmlElement, base: string): DavResponse {
  const href = child(response, DAV.href)?.text;
  if (href === undefined || href.trim() === '') throw new CalsyncError('PROVIDER_REJECTED', 'DAV:response without href');
  const statusText = child(response, DAV.status)?.text;
  return {
    href: normalizeHref(href, base),
    status: statusText === undefined ? undefined : parseStatusLine(statusText),
    propstats: propstatsOf(response),
    error: child(response, DAV.error),
  };
}

/**
 * A multistatus reader fed chunk by chunk: each `DAV:response` goes to `onResponse` when it closes and
 * is then dropped; `close` checks the document is complete and returns its sync-token.
 */
export class MultistatusReader {
  private readonly xml: XmlReader;

  constructor(base: string, onResponse: (response: DavResponse) => void) {
    this.xml = new XmlReader({
      onRoot: (root) => {
        if (root.name !== DAV.multistatus.clark) throw new CalsyncError('PROVIDER_REJECTED', `expected DAV:multistatus, got ${root.name}`);
      },
      onElement: (element, depth) => {
        if (depth !== 1 || element.name !== DAV.response.clark) return true;
        onResponse(toResponse(element, base));
        return false;
      },
    });
  }

  write(chunk: string): void {
    this.xml.write(chunk);
  }

  close(): { syncToken: string | undefined } {
    const token = child(this.xml.close(), DAV.syncToken)?.text.trim();
    // Stored in the cursor: a copy, not a view into the last chunk of the body.
    return { syncToken: token === '' || token === undefined ? undefined : detach(token) };
  }
}

/** Reads a streamed multistatus body; resolves with its sync-token once the whole document was read. */
export async function readMultistatus(chunks: AsyncIterable<string>, base: string, onResponse: (response: DavResponse) => void): Promise<{ syncToken: string | undefined }> {
  const reader = new MultistatusReader(base, onResponse);
  for await (const chunk of chunks) reader.write(chunk);
  return reader.close();
}

export function parseMultistatus(body: string, base: string): Multistatus {
  const responses: DavResponse[] = [];
  const reader = new MultistatusReader(base, (r) => responses.push(r));
  reader.write(body);
  return { responses, ...reader.close() };
}

/** The properties a response returned with a 2xx status, merged from all its propstats. */
export function foundProps(response: DavResponse): XmlElement[] {
  return response.propstats.filter((ps) => ps.status >= 200 && ps.status < 300).flatMap((ps) => ps.prop?.children ?? []);
}

/** A found property by name, or undefined. */
export function foundProp(response: DavResponse, name: { clark: string }): XmlElement | undefined {
  // Called twice per item of a listing: no intermediate arrays.
  for (const ps of response.propstats) {
    if (ps.status < 200 || ps.status >= 300 || !ps.prop) continue;
    for (const p of ps.prop.children) if (p.name === name.clark) return p;
  }
  return undefined;
}
