import { afterEach, describe, expect, it, vi } from 'vitest';
import { CalsyncError } from '../../src/errors.js';
import { ServerPolicies, isOutage, retryDelayMs, shouldRetry } from '../../src/net/resilience.js';

const outage = (): CalsyncError => new CalsyncError('PROVIDER_UNAVAILABLE', 'down');

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    (e: unknown) => (e instanceof CalsyncError ? e.code : String(e)),
  );
}

describe('retry delays', () => {
  it('grows exponentially with equal jitter and a cap', () => {
    const options = { baseDelayMs: 100, maxDelayMs: 1000 };
    expect(retryDelayMs(1, outage(), { ...options, random: () => 0 })).toBe(50);
    expect(retryDelayMs(1, outage(), { ...options, random: () => 0.999 })).toBe(100);
    expect(retryDelayMs(3, outage(), { ...options, random: () => 0 })).toBe(200);
    expect(retryDelayMs(10, outage(), { ...options, random: () => 0.999 })).toBe(1000);
  });

  it('honours Retry-After, capped', () => {
    const throttled = new CalsyncError('PROVIDER_THROTTLED', 'slow down', { retryAfterS: 3 });
    expect(retryDelayMs(1, throttled, { maxDelayMs: 10_000 })).toBe(3000);
    expect(retryDelayMs(1, throttled, { maxDelayMs: 1000 })).toBe(1000);
  });

  it('retries only retryable errors, never an open circuit, a 412, or a wait longer than allowed', () => {
    expect(shouldRetry(outage())).toBe(true);
    expect(shouldRetry(new CalsyncError('PROVIDER_NOT_FOUND', 'x'))).toBe(false);
    expect(shouldRetry(new CalsyncError('PROVIDER_CIRCUIT_OPEN', 'x'))).toBe(false);
    expect(shouldRetry(new CalsyncError('PROVIDER_PRECONDITION_FAILED', 'x'))).toBe(false);
    expect(shouldRetry(new CalsyncError('PROVIDER_THROTTLED', 'x', { retryAfterS: 3600 }))).toBe(false);
    expect(shouldRetry(new Error('plain'))).toBe(false);
    expect(isOutage(new CalsyncError('PROVIDER_TIMEOUT', 'x'))).toBe(true);
    expect(isOutage(new CalsyncError('PROVIDER_THROTTLED', 'x'))).toBe(false);
  });
});

describe('ServerPolicies', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('retries an outage and returns the eventual success', async () => {
    const policies = new ServerPolicies({ baseDelayMs: 1, maxAttempts: 3 });
    let attempts = 0;
    const result = await policies.execute('http://a', async () => {
      attempts += 1;
      if (attempts < 3) throw outage();
      return 'ok';
    });
    expect([result, attempts]).toEqual(['ok', 3]);
  });

  it('does not retry permanent errors, nor when retries are off', async () => {
    const policies = new ServerPolicies({ baseDelayMs: 1 });
    let attempts = 0;
    expect(await codeOf(policies.execute('http://a', async () => {
      attempts += 1;
      throw new CalsyncError('PROVIDER_NOT_FOUND', 'gone');
    }))).toBe('PROVIDER_NOT_FOUND');
    expect(await codeOf(policies.execute('http://a', async () => {
      attempts += 1;
      throw outage();
    }, false))).toBe('PROVIDER_UNAVAILABLE');
    expect(attempts).toBe(2);
  });

  it('opens the circuit of one server after consecutive outages, fails fast, then half-opens after the cool-down', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const policies = new ServerPolicies({ baseDelayMs: 1, maxAttempts: 1, breakerThreshold: 3, halfOpenAfterMs: 10_000 });
    let calls = 0;
    const failing = async (): Promise<never> => {
      calls += 1;
      throw outage();
    };
    for (let i = 0; i < 3; i++) expect(await codeOf(policies.execute('http://down', failing))).toBe('PROVIDER_UNAVAILABLE');
    expect(policies.state('http://down')).toBe('open');
    expect(policies.state('http://other')).toBe('closed');
    const fast = await policies.execute('http://down', failing).catch((e: unknown) => e as CalsyncError);
    expect(fast.code).toBe('PROVIDER_CIRCUIT_OPEN');
    expect(fast.retryAfterS).toBe(10);
    expect(calls).toBe(3);
    // Not-found answers say nothing about health: they do not trip another server's breaker.
    expect(await codeOf(policies.execute('http://other', async () => Promise.reject(new CalsyncError('PROVIDER_NOT_FOUND', 'x'))))).toBe('PROVIDER_NOT_FOUND');
    expect(policies.state('http://other')).toBe('closed');

    vi.setSystemTime(Date.now() + 10_001);
    expect(await policies.execute('http://down', async () => 'back')).toBe('back');
    expect(policies.state('http://down')).toBe('closed');
  });
});
