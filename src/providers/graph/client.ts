/**
 * A Microsoft Graph HTTP client for one mailbox, on fetch.
 *
 * Why not `@microsoft/microsoft-graph-client`: its RetryHandler sleeps with real timers (untestable
 * without waiting), retries at most 3 times with its own cap, and its middleware cannot hold a permit
 * of a per-mailbox semaphore across a request — and Outlook's limit of 4 concurrent requests per
 * mailbox is the one we must never exceed (lessons.md row 11). Owning the loop also lets a `$batch`
 * take as many permits as it has inner requests, and keeps If-Match/Prefer handling explicit.
 *
 * Behaviour:
 * - at most `maxConcurrency` (4) requests in flight; a permit is held only during the exchange, not
 *   while waiting out a Retry-After;
 * - 429/503/504: wait `Retry-After` (or exponential backoff) through the injected `sleep`, retry up to
 *   `maxAttempts` times, then a typed PROVIDER_THROTTLED/UNAVAILABLE/TIMEOUT error with `retryAfterS`;
 * - 401: one forced token refresh, then PROVIDER_AUTH (`details.needsReauth`);
 * - network failures and timeouts are retried like 503 (our writes are idempotent: creates carry a
 *   transactionId, updates and deletes an If-Match);
 * - every other error status → `errorFromResponse`;
 * - every exchange runs through Graph's circuit breaker (cockatiel, src/net/resilience.ts, one per
 *   origin, shareable between mailboxes through `policies`): consecutive outages — network failures,
 *   timeouts, 500/502/504 and 503 without Retry-After — open it, and an open circuit fails fast with
 *   PROVIDER_CIRCUIT_OPEN (not retried here: the job queue waits out its cool-down);
 * - every body is read through the byte cap of src/net/capped-body.ts (`maxResponseBytes`).
 */
import { CalsyncError, isCalsyncError } from '../../errors.js';
import { DEFAULT_MAX_BODY_BYTES, readCappedText } from '../../net/capped-body.js';
import { ServerPolicies, type ResilienceOptions } from '../../net/resilience.js';
import { parseRetryAfter } from '../../net/retry-after.js';
import { RETRY_STATUSES } from '../../net/status-errors.js';
import type { FetchInit, FetchLike } from '../../net/types.js';
import type { Clock } from '../../util/clock.js';
import { systemClock } from '../../util/clock.js';
import { GRAPH_V1_BASE_URL, OUTLOOK_MAX_CONCURRENCY, PREFER_IMMUTABLE_ID } from './constants.js';
import { errorFromResponse, graphErrorCode } from './http/graph-errors.js';
import { type BudgetOptions, RequestBudget } from './http/budget.js';
import { Semaphore } from './http/semaphore.js';

/** Answers that say "too much": counted in `throttled` (`calsync_throttled_total`). */
export const THROTTLE_STATUSES: ReadonlySet<number> = new Set([429, 503]);

export type GetToken = (opts: { forceRefresh: boolean }) => Promise<string>;

export interface GraphClientOptions {
  /** Default `https://graph.microsoft.com/v1.0`; the emulator's `…/v1.0` in tests. */
  baseUrl?: string;
  getToken: GetToken;
  fetch: FetchLike;
  /** Default 4 (Outlook's per-mailbox limit). */
  maxConcurrency?: number;
  /** Tries per request, first included. Default 6. */
  maxAttempts?: number;
  /** A Retry-After longer than this (seconds) is not waited out here: the error goes to the queue. Default 120. */
  maxWaitS?: number;
  /** Per-request timeout. Default 30 s. */
  timeoutMs?: number;
  /** Waits between attempts; tests pass a fake that records and returns at once. */
  sleep?: (ms: number) => Promise<void>;
  clock?: Clock;
  /** Largest response body accepted (after decompression). Default 256 MiB. */
  maxResponseBytes?: number;
  /** Breaker settings (`breakerThreshold`, `halfOpenAfterMs`); retries are this client's own loop. */
  resilience?: Pick<ResilienceOptions, 'breakerThreshold' | 'halfOpenAfterMs'>;
  /** Share breakers between the clients of all mailboxes. Default: one set per client. */
  policies?: ServerPolicies;
  /** The mailbox's request budget (default: Outlook's 10,000 requests per 10 minutes). */
  budget?: Partial<BudgetOptions>;
}

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface GraphRequest {
  method: HttpMethod;
  /** A path below the base URL (`/me/events`) or an absolute URL (nextLink/deltaLink, reused whole). */
  url: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: unknown;
  /** Semaphore permits this request holds (a `$batch` takes one per inner request, up to the cap). */
  permits?: number;
  /** Requests Graph counts against the mailbox's budget: 1, or a `$batch`'s inner requests. */
  cost?: number;
}

export interface GraphResult<T> {
  status: number;
  headers: { get(name: string): string | null };
  body: T;
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Exchanged {
  response: Response;
  body: unknown;
}

/** A Graph answer that is an outage: thrown inside the breaker so that it counts, then unwrapped. */
class OutageAnswer extends CalsyncError {
  constructor(readonly outcome: Exchanged) {
    super('PROVIDER_UNAVAILABLE', `Graph answered HTTP ${outcome.response.status}`);
  }
}

/** A network failure or timeout: thrown inside the breaker so that it counts, then returned for a retry. */
class NetworkFailure extends CalsyncError {}

/** Statuses that say Graph (or the way to it) is down, not that we are throttled or wrong. */
function isOutageStatus(response: Response): boolean {
  const status = response.status;
  return status === 500 || status === 502 || status === 504 || (status === 503 && !response.headers.get('retry-after'));
}

export class GraphClient {
  readonly baseUrl: string;
  readonly semaphore: Semaphore;
  /** HTTP requests sent, retries included (`RequestStats`). */
  requests = 0;
  /** 429/503 answers received, inner `$batch` ones included, whether a retry absorbed them or not. */
  throttled = 0;
  /** The mailbox's request budget, spent before each request is sent. */
  readonly budget: RequestBudget;
  private readonly opts: Required<Omit<GraphClientOptions, 'baseUrl' | 'resilience' | 'policies' | 'budget'>>;
  private readonly policies: ServerPolicies;

  constructor(options: GraphClientOptions) {
    this.baseUrl = (options.baseUrl ?? GRAPH_V1_BASE_URL).replace(/\/+$/, '');
    const { resilience, policies, budget, ...rest } = options;
    this.opts = {
      maxConcurrency: OUTLOOK_MAX_CONCURRENCY,
      maxAttempts: 6,
      maxWaitS: 120,
      timeoutMs: 30_000,
      sleep: realSleep,
      clock: systemClock,
      maxResponseBytes: DEFAULT_MAX_BODY_BYTES,
      ...rest,
    };
    this.policies = policies ?? new ServerPolicies(resilience);
    this.semaphore = new Semaphore(this.opts.maxConcurrency);
    this.budget = new RequestBudget(() => this.opts.clock.now(), this.opts.sleep, budget);
  }

  /** Counts throttling answers seen outside `send` (inner `$batch` responses). */
  noteThrottled(count: number): void {
    this.throttled += count;
  }

  resolve(url: string, query?: Record<string, string>): string {
    const base = /^https?:\/\//i.test(url) ? url : `${this.baseUrl}${url.startsWith('/') ? '' : '/'}${url}`;
    if (!query || Object.keys(query).length === 0) return base;
    // encodeURIComponent, not URLSearchParams: Graph wants %20 in $filter, not '+'.
    const qs = Object.entries(query).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
    return `${base}${base.includes('?') ? '&' : '?'}${qs}`;
  }

  /** Sends a request with retries; resolves with a 2xx result, throws a CalsyncError otherwise. */
  async send<T = unknown>(req: GraphRequest): Promise<GraphResult<T>> {
    const url = this.resolve(req.url, req.query);
    let forceRefresh = false;
    let refreshed = false;
    let lastRetryAfterS: number | undefined;
    for (let attempt = 1; ; attempt += 1) {
      const outcome = await this.exchange(req, url, forceRefresh);
      forceRefresh = false;
      if ('error' in outcome) {
        if (attempt >= this.opts.maxAttempts) throw outcome.error;
        await this.opts.sleep(this.backoffMs(attempt));
        continue;
      }
      const { response, body } = outcome;
      if (response.status >= 200 && response.status < 300) return { status: response.status, headers: response.headers, body: body as T };
      const retryAfterS = parseRetryAfter(response.headers.get('retry-after'), this.opts.clock.now());
      if (THROTTLE_STATUSES.has(response.status)) this.throttled += 1;
      if (response.status === 401 && !refreshed && graphErrorCode(body) !== 'ErrorAccessDenied') {
        // An expired or revoked access token: refresh once; a second 401 means the grant is gone.
        refreshed = true;
        forceRefresh = true;
        continue;
      }
      if (RETRY_STATUSES.has(response.status)) {
        lastRetryAfterS = retryAfterS ?? lastRetryAfterS;
        const waitMs = retryAfterS === undefined ? this.backoffMs(attempt) : retryAfterS * 1000;
        if (attempt < this.opts.maxAttempts && waitMs <= this.opts.maxWaitS * 1000) {
          await this.opts.sleep(waitMs);
          continue;
        }
      }
      throw errorFromResponse(response.status, body, { method: req.method, url, ...(retryAfterS === undefined ? {} : { retryAfterS }) });
    }
  }

  /** How this client retries, for helpers that retry on their own (inner `$batch` requests). */
  get retryPolicy(): { maxAttempts: number; maxWaitS: number; sleep: (ms: number) => Promise<void>; now: () => number } {
    return { maxAttempts: this.opts.maxAttempts, maxWaitS: this.opts.maxWaitS, sleep: this.opts.sleep, now: () => this.opts.clock.now() };
  }

  /** `send` for the body only. */
  async json<T>(req: GraphRequest): Promise<T> {
    return (await this.send<T>(req)).body;
  }

  /** Exponential backoff for retries without Retry-After: 1 s, 2 s, 4 s … capped at 32 s. */
  backoffMs(attempt: number): number {
    return Math.min(32, 2 ** (attempt - 1)) * 1000;
  }

  /** One HTTP exchange under a semaphore permit and the breaker; network failures come back as `{ error }`. */
  private async exchange(req: GraphRequest, url: string, forceRefresh: boolean): Promise<Exchanged | { error: CalsyncError }> {
    const token = await this.opts.getToken({ forceRefresh });
    const headers: Record<string, string> = { Accept: 'application/json', Authorization: `Bearer ${token}`, ...withImmutableIds(req.headers) };
    const signal = AbortSignal.timeout(this.opts.timeoutMs);
    const init: FetchInit = { method: req.method, headers, signal };
    if (req.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(req.body);
    }
    const origin = new URL(url).origin;
    // The budget first: waiting for the next window must not hold one of the mailbox's 4 permits.
    await this.budget.spend(req.cost ?? 1);
    const release = await this.semaphore.acquire(req.permits ?? 1);
    try {
      return await this.policies.breaker(origin).execute(async () => {
        this.requests += 1;
        let outcome: Exchanged;
        try {
          const response = await this.opts.fetch(url, init);
          const text = await readCappedText(response, { maxBytes: this.opts.maxResponseBytes, signal });
          outcome = { response, body: parseBody(text) };
        } catch (err) {
          // Our own refusals (a body over the cap) are final and say nothing about Graph's health.
          if (isCalsyncError(err)) throw err;
          const timedOut = signal.aborted || (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError'));
          throw new NetworkFailure(timedOut ? 'PROVIDER_TIMEOUT' : 'PROVIDER_UNAVAILABLE', `Graph ${req.method} failed: ${err instanceof Error ? err.message : String(err)}`, {
            cause: err,
            details: { method: req.method },
          });
        }
        if (isOutageStatus(outcome.response)) throw new OutageAnswer(outcome);
        return outcome;
      });
    } catch (err) {
      if (err instanceof OutageAnswer) return err.outcome;
      if (err instanceof NetworkFailure) return { error: err };
      throw this.policies.translate(err, origin);
    } finally {
      release();
    }
  }
}

/** Request headers with `Prefer: IdType="ImmutableId"` added to any other preference. */
export function withImmutableIds(headers: Record<string, string> = {}): Record<string, string> {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === 'prefer');
  const out = { ...headers };
  if (key === undefined) out.Prefer = PREFER_IMMUTABLE_ID;
  else if (!/IdType=/i.test(out[key] ?? '')) out[key] = `${out[key]}, ${PREFER_IMMUTABLE_ID}`;
  return out;
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // Gateways answer 502/503 with HTML; keep the text for the error message.
    return { error: { code: 'NonJsonResponse', message: text.slice(0, 200) } };
  }
}
