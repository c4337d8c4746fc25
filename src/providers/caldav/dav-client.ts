/**
 * The request layer: one WebDAV request = rate limit (per host) → circuit breaker (per server) →
 * retries → fetch with a timeout. Redirects are followed by hand so that a 303 turns into GET and
 * credentials never follow a redirect to another site. Every request sent is counted in `stats`.
 */
import type { Clock } from '../../util/clock.js';
import { systemClock } from '../../util/clock.js';
import { CalsyncError } from '../../errors.js';
import { errorForNetwork, errorForStatus, redactUrl } from './dav-errors.js';
import { ServerPolicies, type CircuitStateName, type ResilienceOptions } from './resilience.js';
import { TokenBuckets, realSleep, type Sleep, type TokenBucketOptions } from './token-bucket.js';
import { guardedFetch, unguardedFetch } from './guarded-fetch.js';
import { assertAllowedUrl, isSameSite, type Lookup } from './url-safety.js';

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface DavClientOptions {
  /** The URL the user entered: credentials are sent only to its site. */
  trustedUrl: string;
  username?: string;
  password?: string;
  /**
   * Default: a node:http fetch on the client's own agents — plain with `allowPrivate`, otherwise one
   * that re-checks addresses at connect time. Never the global fetch/dispatcher (guarded-fetch.ts).
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
  resilience?: ResilienceOptions;
  /** Share breakers between clients of the same server. Default: one set per client. */
  policies?: ServerPolicies;
  /** Allow loopback/private hosts and plain http (see url-safety.ts). Default false. */
  allowPrivate?: boolean;
  lookup?: Lookup;
  /** Largest response body accepted. Default 256 MiB. */
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
  body: string;
  /** The URL that finally answered (after redirects). */
  url: string;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

export class DavClient {
  readonly stats = { requests: 0 };
  private readonly fetchFn: FetchLike;
  private readonly clock: Clock;
  private readonly trusted: URL;
  private readonly policies: ServerPolicies;
  private readonly buckets: TokenBuckets;
  private readonly authorization: string | undefined;
  private readonly checkedHosts = new Set<string>();

  constructor(private readonly options: DavClientOptions) {
    // Without private targets allowed, connections re-check the resolved address (DNS rebinding).
    // Both are node:http with the client's own agents, never the global fetch or the npm undici
    // (guarded-fetch.ts: undici 7.30.2 crashes the process on large listings from Radicale).
    this.fetchFn = options.fetch ?? (options.allowPrivate ? unguardedFetch() : guardedFetch());
    this.clock = options.clock ?? systemClock;
    this.trusted = new URL(options.trustedUrl);
    this.policies = options.policies ?? new ServerPolicies(options.resilience);
    this.buckets = new TokenBuckets(options.rateLimit ?? { capacity: 20, refillPerSecond: 10 }, this.clock, options.sleep ?? realSleep);
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
    let method = req.method;
    let body = req.body;
    let url = req.url;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const answer = await this.once({ ...req, method, url, body });
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
  private settle(req: DavRequest, method: string, answer: DavAnswer): DavAnswer {
    if (isAnswer(answer.status, req)) return answer;
    throw errorForStatus({ method, url: answer.url, status: answer.status, body: answer.body, retryAfter: answer.headers.get('retry-after') }, this.clock);
  }

  private async once(req: DavRequest & { body: string | undefined }): Promise<DavAnswer> {
    const target = new URL(req.url);
    await this.checkHost(target);
    return this.policies.execute(
      target.origin,
      async (signal) => {
        // Inside the policy: every attempt, retries included, spends a token of its host's bucket.
        await this.buckets.for(target.host).take(signal);
        const answer = await this.send(req, target, signal);
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

  private async send(req: DavRequest & { body: string | undefined }, target: URL, signal: AbortSignal): Promise<DavAnswer> {
    const headers: Record<string, string> = { ...req.headers };
    if (this.authorization && isSameSite(this.trusted, target)) headers['Authorization'] = this.authorization;
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 30_000);
    this.stats.requests += 1;
    try {
      const response = await this.fetchFn(target.toString(), {
        method: req.method,
        headers,
        ...(req.body === undefined ? {} : { body: req.body }),
        redirect: 'manual',
        signal: AbortSignal.any([signal, timeout]),
      });
      const text = await readBody(response, this.options.maxResponseBytes ?? 256 * 1024 * 1024);
      return { status: response.status, headers: response.headers, body: text, url: target.toString() };
    } catch (err) {
      if (err instanceof CalsyncError) throw err;
      throw errorForNetwork(err, req.method, req.url, timeout.aborted);
    }
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

async function readBody(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw new CalsyncError('PROVIDER_REJECTED', `response of ${declared} bytes exceeds the ${maxBytes}-byte limit`);
  }
  const text = await response.text();
  if (text.length > maxBytes) throw new CalsyncError('PROVIDER_REJECTED', `response exceeds the ${maxBytes}-byte limit`);
  return text;
}
