/**
 * Collection paging: follow `@odata.nextLink` to the end, reusing each link whole (it carries the
 * skip/delta token and every original parameter), and return the final `@odata.deltaLink` if any.
 * A page with an empty `value` may still have a nextLink (event-delta.md), so emptiness ends nothing.
 *
 * Links come from the server and are followed with the mailbox's token, so each is checked first:
 * it must be on the configured origin (scheme, host and port of the client's base URL) — a link
 * elsewhere is PROVIDER_REJECTED, never followed — and must not repeat a URL already requested in
 * this listing (a server looping on nextLink is PROVIDER_LISTING_FAILED at once, not after
 * `MAX_PAGES` requests). A deltaLink is stored in the cursor and reused later: the same checks apply.
 */
import { CalsyncError, isCalsyncError } from '../../../errors.js';
import type { GraphClient, GraphRequest } from '../client.js';
import type { GraphPage } from '../graph-types.js';

export interface PagedResult<T> {
  items: T[];
  deltaLink?: string;
}

/** Upper bound on pages per listing: a server handing out ever new links must not hang a sync. */
export const MAX_PAGES = 5_000;

/** The origin of an absolute link, or undefined when it is not an http(s) URL. */
function originOf(link: string): string | undefined {
  try {
    const url = new URL(link);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

/** Refuses a server-given link to another origin than the client's base URL. */
function checkOrigin(client: GraphClient, link: string, what: string): void {
  const expected = new URL(client.baseUrl).origin;
  if (originOf(link) !== expected) {
    throw new CalsyncError('PROVIDER_REJECTED', `Graph gave a ${what} outside ${expected}; it is not followed`, { details: { expectedOrigin: expected, linkOrigin: originOf(link) ?? 'invalid' } });
  }
}

export async function collectPages<T>(client: GraphClient, first: GraphRequest, maxPages = MAX_PAGES): Promise<PagedResult<T>> {
  const firstUrl = client.resolve(first.url, first.query);
  if (/^[a-z][a-z0-9+.-]*:/i.test(first.url)) checkOrigin(client, firstUrl, 'link');
  // Every URL requested in this listing (normalized by the URL parser): a link back to one is a loop.
  const requested = new Set<string>([new URL(firstUrl).href]);
  const items: T[] = [];
  let page = await client.json<GraphPage<T>>(first);
  for (let n = 1; ; n += 1) {
    if (!page || !Array.isArray(page.value)) {
      throw new CalsyncError('PROVIDER_LISTING_FAILED', `Graph returned a page without a value array for ${first.url}`);
    }
    items.push(...page.value);
    const next = page['@odata.nextLink'];
    if (!next) {
      const deltaLink = page['@odata.deltaLink'];
      if (!deltaLink) return { items };
      checkOrigin(client, deltaLink, 'deltaLink');
      // The first request may itself be the stored deltaLink (a server with no changes may hand it back).
      if (requested.has(new URL(deltaLink).href) && new URL(deltaLink).href !== new URL(firstUrl).href) {
        throw new CalsyncError('PROVIDER_LISTING_FAILED', `Graph's deltaLink repeats a nextLink of the same listing (${n} pages)`, { details: { url: first.url.split('?')[0] } });
      }
      return { items, deltaLink };
    }
    checkOrigin(client, next, 'nextLink');
    const key = new URL(next).href;
    if (requested.has(key)) {
      throw new CalsyncError('PROVIDER_LISTING_FAILED', `Graph's nextLink repeats a page already read in this listing (after ${n} pages): the server loops`, { details: { url: first.url.split('?')[0] } });
    }
    if (n >= maxPages) throw new CalsyncError('PROVIDER_LISTING_FAILED', `Graph listing exceeded ${maxPages} pages`, { details: { url: first.url } });
    requested.add(key);
    // Only the headers (Prefer) travel with the link; its query already holds every parameter.
    page = await client.json<GraphPage<T>>({ method: 'GET', url: next, ...(first.headers ? { headers: first.headers } : {}) });
  }
}

/**
 * `collectPages` for a listing the engine relies on being complete: any failure other than an invalid
 * delta token becomes PROVIDER_LISTING_FAILED, never a short list (lessons.md row 5).
 */
export async function collectListing<T>(client: GraphClient, first: GraphRequest): Promise<PagedResult<T>> {
  try {
    return await collectPages<T>(client, first);
  } catch (err) {
    if (isCalsyncError(err) && (err.code === 'PROVIDER_INVALID_SYNC_TOKEN' || err.code === 'PROVIDER_LISTING_FAILED' || err.code === 'PROVIDER_AUTH')) throw err;
    throw new CalsyncError('PROVIDER_LISTING_FAILED', `Graph listing failed: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
      ...(isCalsyncError(err) && err.retryAfterS !== undefined ? { retryAfterS: err.retryAfterS } : {}),
      details: { url: first.url.split('?')[0], ...(isCalsyncError(err) ? { causeCode: err.code } : {}) },
    });
  }
}
