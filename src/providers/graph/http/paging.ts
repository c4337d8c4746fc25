/**
 * Collection paging: follow `@odata.nextLink` to the end, reusing each link whole (it carries the
 * skip/delta token and every original parameter), and return the final `@odata.deltaLink` if any.
 * A page with an empty `value` may still have a nextLink (event-delta.md), so emptiness ends nothing.
 */
import { CalsyncError, isCalsyncError } from '../../../errors.js';
import type { GraphClient, GraphRequest } from '../client.js';
import type { GraphPage } from '../graph-types.js';

export interface PagedResult<T> {
  items: T[];
  deltaLink?: string;
}

/** Upper bound on pages per listing: a server looping on nextLink must not hang a sync. */
export const MAX_PAGES = 5_000;

export async function collectPages<T>(client: GraphClient, first: GraphRequest, maxPages = MAX_PAGES): Promise<PagedResult<T>> {
  const items: T[] = [];
  let page = await client.json<GraphPage<T>>(first);
  for (let n = 1; ; n += 1) {
    if (!page || !Array.isArray(page.value)) {
      throw new CalsyncError('PROVIDER_LISTING_FAILED', `Graph returned a page without a value array for ${first.url}`);
    }
    items.push(...page.value);
    const next = page['@odata.nextLink'];
    if (!next) return page['@odata.deltaLink'] ? { items, deltaLink: page['@odata.deltaLink'] } : { items };
    if (n >= maxPages) throw new CalsyncError('PROVIDER_LISTING_FAILED', `Graph listing exceeded ${maxPages} pages`, { details: { url: first.url } });
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
