/**
 * Where the CalDAV client may connect and where it may send credentials.
 *
 * - A user-supplied server URL (and every redirect or home-set URL the server hands us) must not point
 *   at loopback, private, link-local or otherwise internal addresses unless the operator allowed it:
 *   calsync runs as a service, and a URL field must not become a way to probe its network (SSRF).
 * - Plain `http:` is refused for the same reason plus one more: Basic credentials would travel in
 *   clear text. It is allowed together with private addresses (a LAN server, the tests).
 * - Credentials go only to the same site as the URL the user entered. iCloud's home set lives on
 *   `pNN-caldav.icloud.com` while the user entered `caldav.icloud.com`, so "site" is the registrable
 *   domain, not the exact origin.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { CalsyncError } from '../../errors.js';

export type Lookup = (hostname: string) => Promise<string[]>;

const defaultLookup: Lookup = async (hostname) => (await dnsLookup(hostname, { all: true })).map((a) => a.address);

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

const PRIVATE_V4: ReadonlyArray<readonly [string, number]> = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
];

function isPrivateV4(ip: string): boolean {
  const value = ipv4ToInt(ip);
  return PRIVATE_V4.some(([base, bits]) => {
    const size = 2 ** (32 - bits);
    const start = ipv4ToInt(base);
    return value >= start && value < start + size;
  });
}

/** True for loopback, private, link-local, CGNAT, multicast and unspecified addresses (v4 and v6). */
export function isPrivateAddress(ip: string): boolean {
  const bare = ip.replace(/^\[|\]$/g, '').toLowerCase();
  if (isIP(bare) === 4) return isPrivateV4(bare);
  if (isIP(bare) !== 6) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(bare);
  if (mapped?.[1]) return isPrivateV4(mapped[1]);
  if (bare === '::1' || bare === '::') return true;
  // fc00::/7 unique-local, fe80::/10 link-local, ff00::/8 multicast.
  return /^(f[cd][0-9a-f]{0,2}|fe[89ab][0-9a-f]?|ff[0-9a-f]{0,2}):/.test(bare);
}

export interface UrlCheckOptions {
  /** Allow loopback/private targets and plain http (self-hosted LAN servers, tests). Default false. */
  allowPrivate?: boolean;
  /** DNS resolution, injectable for tests. */
  lookup?: Lookup;
}

/**
 * Throws VALIDATION unless `url` is an http(s) URL the service may connect to. Host names are resolved
 * and every address is checked, so `internal.example.com → 10.0.0.5` is refused too.
 */
export async function assertAllowedUrl(url: string, options: UrlCheckOptions = {}): Promise<URL> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CalsyncError('VALIDATION', 'not a valid URL', { details: { url } });
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new CalsyncError('VALIDATION', `unsupported URL scheme ${parsed.protocol}`, { details: { url: parsed.origin } });
  }
  if (options.allowPrivate) return parsed;
  if (parsed.protocol === 'http:') {
    throw new CalsyncError('VALIDATION', 'plain http would send credentials in clear text; use https', { details: { url: parsed.origin } });
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) {
    throw new CalsyncError('VALIDATION', 'loopback addresses are not allowed', { details: { url: parsed.origin } });
  }
  const addresses = isIP(host) ? [host] : await (options.lookup ?? defaultLookup)(host).catch(() => [] as string[]);
  if (addresses.some(isPrivateAddress)) {
    throw new CalsyncError('VALIDATION', 'private or loopback addresses are not allowed', { details: { url: parsed.origin } });
  }
  return parsed;
}

/** Second-level labels under which anyone can register (a short list; the common cases). */
const SHARED_SECOND_LEVEL = new Set(['co', 'com', 'net', 'org', 'gov', 'edu', 'ac', 'or', 'ne', 'go']);

/** The registrable domain (eTLD+1, approximated); an IP address or single label is its own site. */
export function siteOf(hostname: string): string {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (isIP(host.replace(/^\[|\]$/g, ''))) return host;
  const labels = host.split('.');
  if (labels.length <= 2) return host;
  const secondLevel = labels[labels.length - 2] as string;
  const tld = labels[labels.length - 1] as string;
  const keep = tld.length === 2 && SHARED_SECOND_LEVEL.has(secondLevel) ? 3 : 2;
  return labels.slice(-keep).join('.');
}

/** May credentials meant for `trusted` be sent to `target`? Same scheme and same registrable domain. */
export function isSameSite(trusted: URL, target: URL): boolean {
  return trusted.protocol === target.protocol && siteOf(trusted.hostname) === siteOf(target.hostname);
}
