/**
 * Per-host politeness shared by every process of a deployment (iCloud is one host for thousands of
 * tenants, served by many workers): the token bucket and the circuit breaker of each host live in Redis
 * when `REDIS_URL` is set, so the rate and the "stop calling a server that is down" decision are the
 * deployment's, not one process's. Without Redis, one in-process set serves every provider of the
 * process (`TokenBuckets` and the cockatiel breakers of `ServerPolicies`).
 *
 * Both are single Lua scripts, atomic however many processes call them; time is the caller's injected
 * clock, as in the in-process versions.
 */
import type { Redis } from 'ioredis';
import { CalsyncError } from '../errors.js';
import type { Clock } from '../util/clock.js';
import { realSleep, type Sleep, type TokenBucketOptions } from './token-bucket.js';

/** Takes one request token for a host, waiting as long as its bucket says. */
export interface HostRateLimiter {
  take(host: string, signal?: AbortSignal): Promise<void>;
}

/**
 * A circuit breaker kept outside the process: `before` fails fast while the origin's circuit is open
 * (one caller per half-open period gets a trial request), `after` records the outcome.
 */
export interface SharedCircuit {
  before(origin: string): Promise<void>;
  after(origin: string, outage: boolean): Promise<void>;
}

/** Reserve a token (the count may go below zero: callers queue in order) and answer the wait in ms. */
const TAKE = `
local cap = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local v = redis.call('HMGET', KEYS[1], 't', 'u')
local tokens = tonumber(v[1]) or cap
local updated = tonumber(v[2]) or now
if now > updated then
  tokens = math.min(cap, tokens + (now - updated) / 1000 * rate)
  updated = now
end
local wait = 0
if tokens < 1 then wait = math.ceil((1 - tokens) / rate * 1000) end
tokens = tokens - 1
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'u', tostring(updated))
redis.call('PEXPIRE', KEYS[1], math.ceil(cap / rate * 1000) + wait + 60000)
return wait`;

export class RedisTokenBuckets implements HostRateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly options: TokenBucketOptions,
    private readonly clock: Clock,
    private readonly sleep: Sleep = realSleep,
  ) {
    if (options.capacity < 1 || options.refillPerSecond <= 0) throw new RangeError('token bucket needs capacity ≥ 1 and a positive rate');
  }

  /** Milliseconds this caller waits for its token (reserved at once). */
  async reserve(host: string): Promise<number> {
    const wait = await this.redis.eval(TAKE, 1, `${this.prefix}:bucket:${host}`, String(this.options.capacity), String(this.options.refillPerSecond), String(this.clock.now()));
    return Number(wait);
  }

  async take(host: string, signal?: AbortSignal): Promise<void> {
    const wait = await this.reserve(host);
    if (wait > 0) await this.sleep(wait, signal);
  }
}

/**
 * KEYS: failures, open-until, trial lock. ARGV: now, trial lock ms. Answers 0 (closed), -1 (half-open:
 * this caller makes the one trial request), or N > 0 (open: fail fast, N ms left or a trial under way).
 */
const BEFORE = `
local now = tonumber(ARGV[1])
local openUntil = tonumber(redis.call('GET', KEYS[2]) or '0')
if openUntil == 0 then return 0 end
if now < openUntil then return openUntil - now end
if redis.call('SET', KEYS[3], '1', 'NX', 'PX', tonumber(ARGV[2])) then return -1 end
return 1`;

/** KEYS: failures, open-until, trial lock. ARGV: outage (0/1), threshold, now, open ms. */
const AFTER = `
if ARGV[1] == '0' then
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
  return 0
end
local n = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[4]) * 10)
local openUntil = tonumber(redis.call('GET', KEYS[2]) or '0')
if n >= tonumber(ARGV[2]) or openUntil > 0 then
  redis.call('SET', KEYS[2], tostring(tonumber(ARGV[3]) + tonumber(ARGV[4])), 'PX', tonumber(ARGV[4]) * 10)
  redis.call('DEL', KEYS[3])
end
return n`;

export interface RedisCircuitOptions {
  /** Consecutive outages (across every process) that open the circuit. Default 5. */
  threshold?: number;
  /** How long it stays open before one trial request. Default 30 s. */
  halfOpenAfterMs?: number;
  /** How long a trial request may take before another process may try. Default 60 s. */
  trialMs?: number;
}

export class RedisCircuit implements SharedCircuit {
  private readonly threshold: number;
  private readonly halfOpenAfterMs: number;
  private readonly trialMs: number;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly clock: Clock,
    opts: RedisCircuitOptions = {},
  ) {
    this.threshold = opts.threshold ?? 5;
    this.halfOpenAfterMs = opts.halfOpenAfterMs ?? 30_000;
    this.trialMs = opts.trialMs ?? 60_000;
  }

  private keys(origin: string): string[] {
    const base = `${this.prefix}:circuit:${origin}`;
    return [`${base}:failures`, `${base}:open`, `${base}:trial`];
  }

  async before(origin: string): Promise<void> {
    const answer = Number(await this.redis.eval(BEFORE, 3, ...this.keys(origin), String(this.clock.now()), String(this.trialMs)));
    if (answer <= 0) return;
    throw new CalsyncError('PROVIDER_CIRCUIT_OPEN', `circuit open for ${origin}: failing fast after repeated outages (shared by every worker)`, {
      retryAfterS: Math.max(1, Math.ceil(answer / 1000)),
      details: { origin },
    });
  }

  async after(origin: string, outage: boolean): Promise<void> {
    await this.redis.eval(AFTER, 3, ...this.keys(origin), outage ? '1' : '0', String(this.threshold), String(this.clock.now()), String(this.halfOpenAfterMs));
  }
}
