/**
 * The request layer: one WebDAV request = rate limit (per host) → circuit breaker (per server) →
 * retries → fetch with a timeout. Redirects are followed by hand so that a 303 turns into GET and
 * credentials never follow a redirect to another site. Every request sent is counted in `stats`.
 */
import type { Clock } from '../../util/clock.js';
import { systemClock } from '../../util/clock.js';
import { CalsyncError } from '../../errors.js';
import { DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_STREAMED_BYTES, cappedTextChunks, readCappedText } from '../../net/capped-body.js';
import { guardedFetch, unguardedFetch } from '../../net/http-fetch.js';
import { ServerPolicies, type CircuitStateName, type ResilienceOptions } from '../../net/resilience.js';
import type { HostRateLimiter } from '../../net/shared-politeness.js';
import { TokenBuckets, realSleep, type Sleep, type TokenBucketOptions } from '../../net/token-bucket.js';
import type { FetchLike } from '../../net/types.js';
import { assertAllowedUrl, isSameSite, type Lookup } from '../../net/url-policy.js';
import { errorForNetwork, errorForStatus, redactUrl } from './dav-errors.js';

export type { FetchLike };

export interface DavClientOptions {
  /** The URL the user entered: credentials are sent only to its site. */
  trustedUrl: string;
  username?: string;
  password?: string;
  /**
   * Default: a node:http fetch on the client's own agents — plain with `allowPrivate`, otherwise one
   * that checks the address connected to. Never the global fetch/dispatcher (src/net/http-fetch.ts).
   */
  fetch?: FetchLike;
  /** Default: the system clock. */
  clock?: Clock;
  /** Used by the rate limiter. Default: a real timer. */
  sleep?: Sleep;
  /** Per-attempt timeout. Default 30 s. */
  timeoutMs?: number;
  /** Per-host rate limit. Default 20 burst, 10/s. */
  rateLimit?: TokenBucketOptions;
  /** Share the per-host rate limit (in the process, or in Redis across processes). Default: buckets of this client, by `rateLimit`. */
  rateLimiter?: HostRateLimiter;
  resilience?: ResilienceOptions;
  /** Share breakers between clients of the same server. Default: one set per client. */
  policies?: ServerPolicies;
  /** Allow loopback/private hosts and plain http (see src/net/url-policy.ts). Default false. */
  allowPrivate?: boolean;
  lookup?: Lookup;
  /** Largest response body accepted (after decompression; error bodies too). Default 256 MiB. */
  maxResponseBytes?: number;
}

export interface DavRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /** Statuses returned to the caller instead of thrown (2xx are always returned). */
  accept?: readonly number[];
  /** Follow 301/302/303/307/308 (discovery). Default false: a redirect is then an answer. */
  followRedirects?: boolean;
  /** Default true. Writes that are not idempotent without preconditions may turn it off. */
  retry?: boolean;
}

export interface DavAnswer {
  status: number;
  headers: Headers;
  /** The body as text; '' for a 2xx answer of `requestStream` (its consumer read it). */
  body: string;
  /** The URL that finally answered (after redirects). */
  url: string;
}

/**
 * Reads a 2xx body as it arrives (UTF-8 text chunks) and returns what it made of it. It runs inside the
 * request's attempt: a body cut off by the network fails the attempt, which is retried with a fresh
 * call, so a consumer must start from scratch on every call and keep nothing outside its result.
 */
export type BodyConsumer<T> = (chunks: AsyncIterable<string>) => Promise<T>;

export interface StreamedAnswer<T> extends DavAnswer {
  /** What the consumer returned, for a 2xx answer; undefined for any other (its body is then text). */
  result: T | undefined;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

export class DavClient {
  readonly stats = { requests: 0 };
  private readonly fetchFn: FetchLike;
  private readonly clock: Clock;
  private readonly trusted: URL;
  private readonly policies: ServerPolicies;
  private readonly buckets: HostRateLimiter;
  private readonly authorization: string | undefined;
  private readonly checkedHosts = new Set<string>();

  constructor(private readonly options: DavClientOptions) {
    // Without private targets allowed, every connection checks the address it connects to (literals
    // and every DNS answer: DNS rebinding). Both are node:http with the client's own agents, never the
    // global fetch or the npm undici (src/net/http-fetch.ts: undici 7.30.2 crashes the process).
    this.fetchFn = options.fetch ?? (options.allowPrivate ? unguardedFetch() : guardedFetch());
    this.clock = options.clock ?? systemClock;
    this.trusted = new URL(options.trustedUrl);
    this.policies = options.policies ?? new ServerPolicies(options.resilience);
    this.buckets = options.rateLimiter ?? new TokenBuckets(options.rateLimit ?? { capacity: 20, refillPerSecond: 10 }, this.clock, options.sleep ?? realSleep);
    this.authorization =
      options.username === undefined
        ? undefined
        : `Basic ${Buffer.from(`${options.username}:${options.password ?? ''}`, 'utf8').toString('base64')}`;
  }

  /** Circuit state of the server that serves `url`. */
  circuitState(url: string): CircuitStateName {
    return this.policies.state(new URL(url).origin);
  }

  async request(req: DavRequest): Promise<DavAnswer> {
    return this.exchange(req, undefined);
  }

  /**
   * `request`, with a 2xx body handed to `consume` as it streams in instead of being read into one
   * string: a 10,000-event listing is parsed as it arrives and never held whole. Other statuses are
   * answered (or thrown) exactly as by `request`, with their body as text.
   */
  async requestStream<T>(req: DavRequest, consume: BodyConsumer<T>): Promise<StreamedAnswer<T>> {
    return this.exchange(req, consume);
  }

  private async exchange<T>(req: DavRequest, consume: BodyConsumer<T> | undefined): Promise<StreamedAnswer<T>> {
    let method = req.method;
    let body = req.body;
    let url = req.url;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const answer = await this.once({ ...req, method, url, body }, consume);
      if (!req.followRedirects || !REDIRECTS.has(answer.status)) return this.settle(req, method, answer);
      const location = answer.headers.get('location');
      if (!location) return this.settle(req, method, answer);
      url = new URL(location, url).toString();
      // RFC 9110 §15.4.4: a 303 is answered with a GET on the new location, whatever the method was.
      if (answer.status === 303) {
        method = 'GET';
        body = undefined;
      }
    }
    throw new CalsyncError('PROVIDER_REJECTED', `more than ${MAX_REDIRECTS} redirects from ${redactUrl(req.url)}`);
  }

  /** Statuses the caller did not accept become typed errors, outside the retry loop (already final). */
  private settle<A extends DavAnswer>(req: DavRequest, method: string, answer: A): A {
    if (isAnswer(answer.status, req)) return answer;
    throw errorForStatus({ method, url: answer.url, status: answer.status, body: answer.body, retryAfter: answer.headers.get('retry-after') }, this.clock);
  }

  private async once<T>(req: DavRequest & { body: string | undefined }, consume: BodyConsumer<T> | undefined): Promise<StreamedAnswer<T>> {
    const target = new URL(req.url);
    await this.checkHost(target);
    return this.policies.execute(
      target.origin,
      async (signal) => {
        // Inside the policy: every attempt, retries included, spends a token of its host's bucket.
        await this.buckets.take(target.host, signal);
        const answer = await this.send(req, target, signal, consume);
        // Failures that are worth another attempt are thrown inside the policy so that the retry
        // and the breaker see them; the rest are returned and settled by the caller.
        if (!isAnswer(answer.status, req) && !REDIRECTS.has(answer.status)) {
          const error = errorForStatus(
            { method: req.method, url: req.url, status: answer.status, body: answer.body, retryAfter: answer.headers.get('retry-after') },
            this.clock,
          );
          if (error.retryable) throw error;
        }
        return answer;
      },
      req.retry ?? true,
    );
  }

  private async send<T>(req: DavRequest & { body: string | undefined }, target: URL, signal: AbortSignal, consume: BodyConsumer<T> | undefined): Promise<StreamedAnswer<T>> {
    const headers: Record<string, string> = { ...req.headers };
    if (this.authorization && isSameSite(this.trusted, target)) headers['Authorization'] = this.authorization;
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 30_000);
    // A body read whole is held whole: the small cap. A streamed listing is read response by response.
    const maxBytes = this.options.maxResponseBytes ?? DEFAULT_MAX_BODY_BYTES;
    const maxStreamedBytes = this.options.maxResponseBytes ?? DEFAULT_MAX_STREAMED_BYTES;
    const networkError = (err: unknown): CalsyncError => (err instanceof CalsyncError ? err : errorForNetwork(err, req.method, req.url, timeout.aborted));
    const attempt = AbortSignal.any([signal, timeout]);
    this.stats.requests += 1;
    let response: Response;
    try {
      response = await this.fetchFn(target.toString(), {
        method: req.method,
        headers,
        ...(req.body === undefined ? {} : { body: req.body }),
        redirect: 'manual',
        signal: attempt,
      });
      if (!consume || response.status < 200 || response.status >= 300) {
        const text = await readCappedText(response, { maxBytes, signal: attempt, onStreamError: networkError });
        return { status: response.status, headers: response.headers, body: text, url: target.toString(), result: undefined };
      }
    } catch (err) {
      throw networkError(err);
    }
    // The consumer's own errors (a malformed body: PROVIDER_REJECTED) pass as they are; failures of the
    // body stream itself become network errors inside `textChunks`.
    const result = await consume(cappedTextChunks(response, { maxBytes: maxStreamedBytes, signal: attempt, onStreamError: networkError }));
    return { status: response.status, headers: response.headers, body: '', url: target.toString(), result };
  }

  /** Every host we connect to passes the URL policy once (redirects and home sets included). */
  private async checkHost(target: URL): Promise<void> {
    const key = `${target.protocol}//${target.host}`;
    if (this.checkedHosts.has(key)) return;
    await assertAllowedUrl(target.toString(), {
      ...(this.options.allowPrivate === undefined ? {} : { allowPrivate: this.options.allowPrivate }),
      ...(this.options.lookup === undefined ? {} : { lookup: this.options.lookup }),
    });
    this.checkedHosts.add(key);
  }
}

function isAnswer(status: number, req: DavRequest): boolean {
  return (status >= 200 && status < 300) || (req.accept?.includes(status) ?? false);
}
