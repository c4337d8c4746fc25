/**
 * A small TypeScript client for WedSync (or any host application) on `fetch`: events (list, get with
 * sync state, create/upsert by `externalId`, update, delete, restore), the change feed (one page, or
 * followed forever), and webhook verification. It imports nothing from the server: copy or import
 * `src/client/` alone.
 *
 * Writes send an `Idempotency-Key` (a fresh UUID per call unless given) and are retried with it after a
 * network failure or a 5xx answer, so a retry never applies a write twice. `followChanges` resumes by
 * itself after network failures and server restarts; a 410 (`CHANGES_CURSOR_EXPIRED`) ends it with a
 * `CalsyncApiError`: list the events again and follow from the listing's `cursor`.
 */
import { Webhook } from 'standardwebhooks';
import type { Change, ChangePage, EventInput, HubEventJson, EventList, EventPatch, EventWithSync } from './types.js';

export type * from './types.js';

export class CalsyncApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'CalsyncApiError';
  }
}

export interface CalsyncClientOptions {
  /** e.g. `https://calsync.example.com` (no trailing `/api/v1`). */
  baseUrl: string;
  apiKey: string;
  fetch?: typeof fetch;
  /** Attempts for a write after network failures / 5xx (default 3). */
  writeAttempts?: number;
  /** Pause between those attempts and between feed reconnections (default 250 ms). */
  retryDelayMs?: number;
}

interface WriteOptions {
  /** Default: a fresh UUID for this call (kept across its retries). */
  idempotencyKey?: string;
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });

export class CalsyncClient {
  private readonly fetchFn: typeof fetch;
  private readonly base: string;

  constructor(private readonly opts: CalsyncClientOptions) {
    this.fetchFn = opts.fetch ?? fetch;
    this.base = `${opts.baseUrl.replace(/\/+$/, '')}/api/v1`;
  }

  listEvents(query: { limit?: number; after?: string; includeDeleted?: boolean } = {}): Promise<EventList> {
    const params = new URLSearchParams();
    if (query.limit !== undefined) params.set('limit', String(query.limit));
    if (query.after !== undefined) params.set('after', query.after);
    if (query.includeDeleted) params.set('includeDeleted', 'true');
    return this.request('GET', `/events?${params.toString()}`);
  }

  /** Every event, page by page, and the feed cursor taken before the first page (follow the feed from it). */
  async allEvents(query: { includeDeleted?: boolean } = {}): Promise<{ events: HubEventJson[]; cursor: string }> {
    const first = await this.listEvents({ limit: 500, ...query });
    const events = [...first.items];
    let next = first.next;
    while (next !== undefined) {
      const page = await this.listEvents({ limit: 500, after: next, ...query });
      events.push(...page.items);
      next = page.next;
    }
    return { events, cursor: first.cursor ?? '' };
  }

  getEvent(id: string, opts: { includeDeleted?: boolean } = {}): Promise<EventWithSync> {
    return this.request('GET', `/events/${encodeURIComponent(id)}${opts.includeDeleted ? '?includeDeleted=true' : ''}`);
  }

  getEventByExternalId(externalId: string): Promise<HubEventJson> {
    return this.request('GET', `/events/external/${encodeURIComponent(externalId)}`);
  }

  /** Creates the event; with an `externalId` that is known already, updates that event instead (an upsert). */
  createEvent(input: EventInput, opts: WriteOptions = {}): Promise<HubEventJson> {
    return this.write('POST', '/events', input, opts);
  }

  updateEvent(id: string, patch: EventPatch, opts: WriteOptions & { expectedVersion?: number } = {}): Promise<HubEventJson> {
    return this.write('PATCH', `/events/${encodeURIComponent(id)}`, { ...patch, ...(opts.expectedVersion === undefined ? {} : { expectedVersion: opts.expectedVersion }) }, opts);
  }

  deleteEvent(id: string, opts: WriteOptions = {}): Promise<HubEventJson> {
    return this.write('DELETE', `/events/${encodeURIComponent(id)}`, undefined, opts);
  }

  restoreEvent(id: string, auditId?: string): Promise<HubEventJson> {
    return this.request('POST', `/events/${encodeURIComponent(id)}/restore`, auditId === undefined ? {} : { auditId });
  }

  /** One page of the change feed; `wait` (seconds, ≤ 60) long-polls when there is nothing yet. */
  changes(query: { cursor?: string; limit?: number; wait?: number } = {}, signal?: AbortSignal): Promise<ChangePage> {
    const params = new URLSearchParams();
    if (query.cursor) params.set('cursor', query.cursor);
    if (query.limit !== undefined) params.set('limit', String(query.limit));
    if (query.wait !== undefined) params.set('wait', String(query.wait));
    return this.request('GET', `/changes?${params.toString()}`, undefined, {}, signal);
  }

  /**
   * Every change from `cursor` on, in the hub's commit order, as they commit (long polls of `wait`
   * seconds, default 30), until `signal` aborts. Each change carries its own `cursor`: store the last one
   * you processed and start from it next time. Network failures and 5xx answers are retried.
   */
  async *followChanges(opts: { cursor?: string; wait?: number; limit?: number; signal?: AbortSignal } = {}): AsyncGenerator<Change> {
    let cursor = opts.cursor;
    while (!opts.signal?.aborted) {
      let page: ChangePage;
      try {
        page = await this.changes({ ...(cursor ? { cursor } : {}), wait: opts.wait ?? 30, limit: opts.limit ?? 100 }, opts.signal);
      } catch (err) {
        if (opts.signal?.aborted) return;
        if (err instanceof CalsyncApiError && err.status < 500) throw err;
        await sleep(this.opts.retryDelayMs ?? 250, opts.signal);
        continue;
      }
      for (const change of page.changes) {
        yield change;
        cursor = change.cursor;
      }
      cursor = page.cursor;
    }
  }

  private async write<T>(method: string, path: string, body: unknown, opts: WriteOptions): Promise<T> {
    const key = opts.idempotencyKey ?? crypto.randomUUID();
    const attempts = this.opts.writeAttempts ?? 3;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.request<T>(method, path, body, { 'idempotency-key': key });
      } catch (err) {
        const retryable = !(err instanceof CalsyncApiError) || err.status >= 500;
        if (!retryable || attempt >= attempts) throw err;
        await sleep(this.opts.retryDelayMs ?? 250);
      }
    }
  }

  private async request<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<T> {
    const res = await this.fetchFn(`${this.base}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.opts.apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(signal ? { signal } : {}),
    });
    const text = await res.text();
    const json = text === '' ? undefined : (JSON.parse(text) as unknown);
    if (!res.ok) {
      const error = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new CalsyncApiError(res.status, error?.code ?? 'HTTP_ERROR', error?.message ?? `HTTP ${res.status}`);
    }
    return json as T;
  }
}

/**
 * Verifies a calsync webhook (Standard Webhooks) and returns its parsed body; throws when the signature
 * or the timestamp (5 minutes' tolerance) is wrong. Pass the raw body exactly as received. Deduplicate
 * on `webhook-id`: a retried delivery carries the same one.
 */
export function verifyWebhook(secret: string, rawBody: string, headers: Record<string, string | string[] | undefined>): { id: string; type: string; timestamp: string; data: unknown } {
  const one = (name: string): string => {
    const v = headers[name] ?? headers[name.toLowerCase()];
    return Array.isArray(v) ? (v[0] ?? '') : (v ?? '');
  };
  return new Webhook(secret).verify(rawBody, { 'webhook-id': one('webhook-id'), 'webhook-timestamp': one('webhook-timestamp'), 'webhook-signature': one('webhook-signature') }) as { id: string; type: string; timestamp: string; data: unknown };
}
