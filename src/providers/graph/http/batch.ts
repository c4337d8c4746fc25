/**
 * JSON batching (concepts/json-batching.md): up to 20 requests per `POST /$batch`, answered in any
 * order with a status each. Inner requests are throttled one by one, so a 429 inside a 200 batch is
 * normal: those items are sent again (after the longest Retry-After among them) and the rest kept —
 * a throttled write is never silently dropped (lessons.md row 11).
 *
 * Outlook counts inner requests against the 4-concurrent-per-mailbox limit, so a batch holds at most 4
 * (one semaphore permit each) and batches go out one after another. Each inner request is also spent
 * from the mailbox's request budget, and every inner 429/503 counts in `throttled`.
 */
import type { GraphClient, HttpMethod } from '../client.js';
import { THROTTLE_STATUSES, withImmutableIds } from '../client.js';
import { BATCH_LIMIT, OUTLOOK_MAX_CONCURRENCY } from '../constants.js';
import { parseRetryAfter } from '../../../net/retry-after.js';
import { RETRY_STATUSES } from '../../../net/status-errors.js';

export interface BatchItem {
  method: HttpMethod;
  /** Path below the version root (`/me/events/{id}?$expand=…`); absolute base-URL links are cut down. */
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface BatchItemResult {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

interface WireResponse {
  id: string;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

function header(headers: Record<string, string> | undefined, name: string): string | undefined {
  const key = Object.keys(headers ?? {}).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : headers?.[key];
}

/**
 * Inner requests per `$batch`: Outlook runs a batch's requests to one mailbox at once, and more than 4
 * at once are answered 429 MailboxConcurrency inside the 200 (microsoft-graph-docs#2886, #8760; "batches
 * targeting Outlook resources can only contain four requests targeting the same mailbox").
 */
export const OUTLOOK_BATCH_SIZE = Math.min(BATCH_LIMIT, OUTLOOK_MAX_CONCURRENCY);

/** Sends `items` in batches of OUTLOOK_BATCH_SIZE; results come back in the order of `items`. */
export async function sendBatch(client: GraphClient, items: readonly BatchItem[]): Promise<BatchItemResult[]> {
  const results: (BatchItemResult | undefined)[] = Array.from({ length: items.length }, () => undefined);
  for (let offset = 0; offset < items.length; offset += OUTLOOK_BATCH_SIZE) {
    const indexes = items.slice(offset, offset + OUTLOOK_BATCH_SIZE).map((_, i) => offset + i);
    await sendChunk(client, items, indexes, results);
  }
  return results.map((r, i) => r ?? { status: 0, headers: {}, body: { error: { code: 'MissingBatchResponse', message: `no response for batch item ${i}` } } });
}

async function sendChunk(client: GraphClient, items: readonly BatchItem[], indexes: number[], results: (BatchItemResult | undefined)[]): Promise<void> {
  const policy = client.retryPolicy;
  let pending = indexes;
  for (let round = 1; pending.length > 0; round += 1) {
    const requests = pending.map((index) => {
      const item = items[index] as BatchItem;
      const headers = withImmutableIds(item.headers);
      // Inner requests with a body must say what it is, or Graph rejects them.
      if (item.body !== undefined) headers['Content-Type'] = 'application/json';
      return { id: String(index), method: item.method, url: relativeUrl(client.baseUrl, item.url), headers, ...(item.body === undefined ? {} : { body: item.body }) };
    });
    const reply = await client.json<{ responses?: WireResponse[] }>({ method: 'POST', url: '/$batch', body: { requests }, permits: requests.length, cost: requests.length });
    const retry: number[] = [];
    let waitS = 0;
    for (const response of reply?.responses ?? []) {
      const index = Number(response.id);
      if (!pending.includes(index)) continue;
      const result = { status: response.status, headers: response.headers ?? {}, body: response.body };
      results[index] = result;
      if (THROTTLE_STATUSES.has(response.status)) client.noteThrottled(1);
      if (RETRY_STATUSES.has(response.status)) {
        retry.push(index);
        waitS = Math.max(waitS, parseRetryAfter(header(result.headers, 'retry-after'), policy.now()) ?? client.backoffMs(round) / 1000);
      }
    }
    if (retry.length === 0 || round >= policy.maxAttempts || waitS > policy.maxWaitS) return;
    await policy.sleep(waitS * 1000);
    pending = retry;
  }
}

/** Batch URLs are relative to the version root: `https://host/v1.0/me/events?x` → `/me/events?x`. */
function relativeUrl(baseUrl: string, url: string): string {
  if (url.startsWith(baseUrl)) return url.slice(baseUrl.length) || '/';
  return url.startsWith('/') ? url : `/${url}`;
}
