/**
 * Reading WebDAV 207 Multi-Status bodies (RFC 4918 §13) into plain records: one per `DAV:response`,
 * with its href normalized, its propstats by status, and the body-level sync-token (RFC 6578).
 */
import { CalsyncError } from '../../errors.js';
import { DAV } from './names.js';
import { child, childrenNamed, parseXml, type XmlElement } from './xml.js';

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
export function normalizeHref(href: string, base: string): string {
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

export function parseMultistatus(body: string, base: string): Multistatus {
  const root = parseXml(body);
  if (root.name !== DAV.multistatus.clark) {
    throw new CalsyncError('PROVIDER_REJECTED', `expected DAV:multistatus, got ${root.name}`);
  }
  const responses = childrenNamed(root, DAV.response).map((response): DavResponse => {
    const href = child(response, DAV.href)?.text;
    if (href === undefined || href.trim() === '') throw new CalsyncError('PROVIDER_REJECTED', 'DAV:response without href');
    const statusText = child(response, DAV.status)?.text;
    return {
      href: normalizeHref(href, base),
      status: statusText === undefined ? undefined : parseStatusLine(statusText),
      propstats: childrenNamed(response, DAV.propstat).map((ps) => ({
        status: parseStatusLine(child(ps, DAV.status)?.text),
        prop: child(ps, DAV.prop),
      })),
      error: child(response, DAV.error),
    };
  });
  const token = child(root, DAV.syncToken)?.text.trim();
  return { responses, syncToken: token === '' ? undefined : token };
}

/** The properties a response returned with a 2xx status, merged from all its propstats. */
export function foundProps(response: DavResponse): XmlElement[] {
  return response.propstats.filter((ps) => ps.status >= 200 && ps.status < 300).flatMap((ps) => ps.prop?.children ?? []);
}

/** A found property by name, or undefined. */
export function foundProp(response: DavResponse, name: { clark: string }): XmlElement | undefined {
  return foundProps(response).find((p) => p.name === name.clark);
}
