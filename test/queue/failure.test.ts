import { describe, expect, it } from 'vitest';
import { CalsyncError } from '../../src/errors.js';
import { calsyncBackoff } from '../../src/queue/bullmq/backoff-strategy.js';
import { DEFAULT_ATTEMPTS, DEFAULT_BACKOFF_MS, priorityOfRank, resolveSpec } from '../../src/queue/defaults.js';
import { attemptRecord, backoffDelayMs, dispositionFor, MAX_RETRY_AFTER_MS, retryAfterMs } from '../../src/queue/failure.js';

describe('retry policy', () => {
  it('doubles the delay per attempt, jittered within ±25 %', () => {
    expect([1, 2, 3].map((n) => backoffDelayMs(n, 2_000, () => 0.5))).toEqual([2_000, 4_000, 8_000]);
    expect(backoffDelayMs(1, 2_000, () => 0)).toBe(1_500);
    expect(backoffDelayMs(3, 2_000, () => 1)).toBe(10_000);
  });

  it('takes Retry-After from the error, capped, and ignores nonsense', () => {
    expect(retryAfterMs(new CalsyncError('PROVIDER_THROTTLED', 'x', { retryAfterS: 7 }))).toBe(7_000);
    expect(retryAfterMs(new CalsyncError('PROVIDER_THROTTLED', 'x', { retryAfterS: 10 ** 9 }))).toBe(MAX_RETRY_AFTER_MS);
    expect(retryAfterMs(new CalsyncError('PROVIDER_THROTTLED', 'x', { retryAfterS: Number.NaN }))).toBeUndefined();
    expect(retryAfterMs(new CalsyncError('PROVIDER_THROTTLED', 'x'))).toBeUndefined();
    expect(retryAfterMs(Object.assign(new Error('x'), { retryAfterS: 3 }))).toBeUndefined();
  });

  it('sends non-retryable errors and exhausted budgets to the dead letters', () => {
    const transient = new CalsyncError('PROVIDER_UNAVAILABLE', 'down');
    expect(dispositionFor(transient, 1, 3, 100, () => 0.5)).toEqual({ kind: 'retry', delayMs: 100 });
    expect(dispositionFor(transient, 3, 3, 100)).toEqual({ kind: 'dead' });
    expect(dispositionFor(new CalsyncError('JOB_UNRECOVERABLE', 'no'), 1, 3, 100)).toEqual({ kind: 'dead' });
    expect(dispositionFor(new Error('bug'), 1, 3, 100)).toEqual({ kind: 'dead' });
    expect(dispositionFor(new CalsyncError('PROVIDER_THROTTLED', 't', { retryAfterS: 2 }), 2, 3, 100)).toEqual({ kind: 'retry', delayMs: 2_000 });
  });

  it('records attempts with message, code and time', () => {
    expect(attemptRecord(new CalsyncError('PROVIDER_AUTH', 'revoked'), Date.UTC(2026, 0, 1))).toEqual({
      at: '2026-01-01T00:00:00.000Z',
      error: 'revoked',
      code: 'PROVIDER_AUTH',
    });
    expect(attemptRecord('plain string', 0)).toEqual({ at: '1970-01-01T00:00:00.000Z', error: 'plain string' });
  });

  it('maps onto BullMQ backoff: -1 means do not retry', () => {
    const strategy = calsyncBackoff(() => 0.5);
    const job = { opts: { attempts: 3, backoff: { type: 'calsync', delay: 50 } } } as unknown as Parameters<typeof strategy>[3];
    expect(strategy(2, 'calsync', new CalsyncError('PROVIDER_TIMEOUT', 't'), job)).toBe(100);
    expect(strategy(1, 'calsync', new Error('bug'), job)).toBe(-1);
    expect(strategy(1, 'calsync', new CalsyncError('PROVIDER_TIMEOUT', 't'), undefined)).toBe(-1);
  });
});

describe('job defaults', () => {
  it('fills attempts, backoff and the per-priority debounce', () => {
    const base = { type: 't', tenantId: 'x', payload: 1 };
    expect(resolveSpec({ ...base, priority: 'high' })).toMatchObject({ delayMs: 0, attempts: DEFAULT_ATTEMPTS, backoffMs: DEFAULT_BACKOFF_MS });
    expect(resolveSpec({ ...base, priority: 'medium' }).delayMs).toBe(1_000);
    expect(resolveSpec({ ...base, priority: 'low' }, { high: 0, medium: 1, low: 9 }).delayMs).toBe(9);
    expect(resolveSpec({ ...base, priority: 'low', delayMs: -5, attempts: 0, backoffMs: -1 })).toMatchObject({ delayMs: 0, attempts: 1, backoffMs: 0 });
  });

  it('maps ranks back to priorities', () => {
    expect([0, 1, 2, 7].map(priorityOfRank)).toEqual(['high', 'medium', 'low', 'low']);
  });
});
