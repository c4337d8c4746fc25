/**
 * Rate limits at the HTTP edge (issue 10, finding 5), on @fastify/rate-limit's counters:
 *
 * - **per client IP, for refusals**: every 4xx answered to a request that presented no valid key (a
 *   wrong key, a malformed webhook, a guessed URL) counts against the client's address; once
 *   `failuresPerIp` are reached within the window, every request from that address is answered 429
 *   until the window ends — before the key is checked or the body read.
 * - **per API key**: every authenticated request counts against its key (`perKey` per window).
 *
 * Webhooks are not limited by count: Graph delivers legitimate bursts of tens of thousands of
 * notifications a second from a few addresses, and an accepted notification costs one coalesced job.
 * Only their refusals count, like any other unauthenticated refusal — a sender of garbage is stopped,
 * Graph is not.
 *
 * The answer is 429 with `Retry-After` (seconds) and the usual `{error:{code:'RATE_LIMITED',message}}`.
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export interface RateLimitSettings {
  /** Refused unauthenticated requests per client IP and window before the address is throttled (default 100). */
  failuresPerIp?: number;
  /** Requests per API key and window (default 6,000: 100 a second sustained). */
  perKey?: number;
  /** The window, ms (default 60,000). */
  windowMs?: number;
}

type Limiter = (req: FastifyRequest, opts?: { increment?: boolean }) => Promise<{ isAllowed: boolean; remaining?: number; isExceeded?: boolean; ttlInSeconds?: number }>;

declare module 'fastify' {
  interface FastifyInstance {
    createRateLimit(options: { max: number; timeWindow: number; keyGenerator: (req: FastifyRequest) => string }): Limiter;
  }
}

export function sendRateLimited(reply: FastifyReply, retryAfterS: number, what: string): FastifyReply {
  const seconds = Math.max(1, Math.ceil(retryAfterS));
  return reply
    .code(429)
    .header('retry-after', String(seconds))
    .send({ error: { code: 'RATE_LIMITED', message: `too many ${what}; retry after ${seconds} s` } });
}

export class EdgeLimits {
  private constructor(
    private readonly failures: Limiter,
    private readonly perKey: Limiter,
  ) {}

  /** Registers the plugin on `app` (root) and the refusal accounting hooks. */
  static async install(app: FastifyInstance, settings: RateLimitSettings = {}): Promise<EdgeLimits> {
    await app.register(rateLimit, { global: false });
    const timeWindow = settings.windowMs ?? 60_000;
    const failures = app.createRateLimit({ max: settings.failuresPerIp ?? 100, timeWindow, keyGenerator: (req) => `ip:${req.ip}` });
    const perKey = app.createRateLimit({ max: settings.perKey ?? 6_000, timeWindow, keyGenerator: (req) => `key:${req.apiKey?.id ?? ''}` });
    const limits = new EdgeLimits(failures, perKey);
    app.addHook('onRequest', async (req, reply) => {
      const state = await failures(req, { increment: false });
      if (!state.isAllowed && (state.remaining ?? 1) <= 0) return sendRateLimited(reply, state.ttlInSeconds ?? 1, 'refused requests from this address');
    });
    app.addHook('onResponse', async (req, reply) => {
      const status = reply.statusCode;
      if (status >= 400 && status < 500 && status !== 429 && !req.apiKey) await failures(req);
    });
    return limits;
  }

  /** Counts an authenticated request against its key; true when it is over the limit (answer sent). */
  async overKeyLimit(req: FastifyRequest, reply: FastifyReply): Promise<boolean> {
    const state = await this.perKey(req);
    if (state.isAllowed || !state.isExceeded) return false;
    await sendRateLimited(reply, state.ttlInSeconds ?? 1, 'requests with this API key');
    return true;
  }
}
