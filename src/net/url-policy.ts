/**
 * Where calsync may connect and where it may send credentials.
 *
 * - A user-supplied URL (a CalDAV server, a supplier's notification endpoint, and every redirect or
 *   home-set URL a server hands us) must not point at loopback, private, link-local or otherwise
 *   special addresses unless the operator allowed it: calsync runs as a service, and a URL field must
 *   not become a way to probe its network (SSRF). `assertAllowedUrl` is the early, friendly check (a
 *   clear error when the URL is saved); the binding one runs at connect time (http-fetch.ts), on the
 *   address actually connected to.
 * - Plain `http:` is refused for the same reason plus one more: credentials would travel in clear text.
 *   It is allowed together with private addresses (a LAN server, the tests).
 * - Credentials go only to the same site as the URL the user entered. iCloud's home set lives on
 *   `pNN-caldav.icloud.com` while the user entered `caldav.icloud.com`, so "site" is the registrable
 *   domain, not the exact origin.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { CalsyncError } from '../errors.js';
import { addressRange, isPrivateAddress } from './address-guard.js';

export type Lookup = (hostname: string) => Promise<string[]>;

const defaultLookup: Lookup = async (hostname) => (await dnsLookup(hostname, { all: true })).map((a) => a.address);

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
/** What allows a server on this machine or a private network, named in every such refusal (issue 13). */
const ALLOW_HINT = ' (for a server on this machine or your own network: connect with --allow-private, or run the service with CALSYNC_ALLOW_PRIVATE_URLS=1)';

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
    throw new CalsyncError('VALIDATION', `plain http would send credentials in clear text; use https${ALLOW_HINT}`, { details: { url: parsed.origin } });
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) {
    throw new CalsyncError('VALIDATION', `loopback addresses are not allowed${ALLOW_HINT}`, { details: { url: parsed.origin } });
  }
  const literal = addressRange(host) !== undefined;
  const addresses = literal ? [host] : await (options.lookup ?? defaultLookup)(host).catch(() => [] as string[]);
  const refused = addresses.find(isPrivateAddress);
  if (refused !== undefined) {
    throw new CalsyncError('VALIDATION', `private, loopback or special-purpose addresses are not allowed${ALLOW_HINT}`, {
      details: { url: parsed.origin, range: addressRange(refused) },
    });
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
