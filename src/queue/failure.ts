/**
 * What happens to a job whose handler threw, decided once for both backends: non-retryable errors
 * (see `isRetryable` in errors.ts) and exhausted budgets go to the dead letters; anything else is retried
 * after an exponential backoff with jitter, or after the peer's Retry-After when the error carries one.
 */
import { isCalsyncError, isRetryable } from '../errors.js';
import type { JobAttempt } from './types.js';

/** Jitter spreads retries of jobs that failed together (e.g. one provider outage) over ±25 %. */
export const JITTER = 0.25;
/** A Retry-After longer than this is treated as this (a misbehaving peer must not park a job for days). */
export const MAX_RETRY_AFTER_MS = 6 * 60 * 60 * 1000;

export type FailureDisposition = { kind: 'dead' } | { kind: 'retry'; delayMs: number };

/**
 * Backoff before attempt `attemptsMade + 1`: `base * 2^(attemptsMade-1)` scaled by a factor in
 * [1-JITTER, 1+JITTER]. `random` is injectable so the schedule is testable.
 */
export function backoffDelayMs(attemptsMade: number, baseMs: number, random: () => number = Math.random): number {
  const exponential = baseMs * 2 ** Math.max(0, attemptsMade - 1);
  return Math.round(exponential * (1 - JITTER + 2 * JITTER * random()));
}

/** The delay a provider asked for, in ms, if the error carries one. */
export function retryAfterMs(err: unknown): number | undefined {
  if (!isCalsyncError(err) || err.retryAfterS === undefined || !(err.retryAfterS >= 0)) return undefined;
  return Math.min(MAX_RETRY_AFTER_MS, Math.round(err.retryAfterS * 1000));
}

export function dispositionFor(
  err: unknown,
  attemptsMade: number,
  maxAttempts: number,
  baseMs: number,
  random: () => number = Math.random,
): FailureDisposition {
  if (!isRetryable(err) || attemptsMade >= maxAttempts) return { kind: 'dead' };
  return { kind: 'retry', delayMs: retryAfterMs(err) ?? backoffDelayMs(attemptsMade, baseMs, random) };
}

/** The history entry for a failed attempt (messages only: stack traces stay in the logs). */
export function attemptRecord(err: unknown, atMs: number): JobAttempt {
  const message = err instanceof Error ? err.message : String(err);
  return { at: new Date(atMs).toISOString(), error: message, ...(isCalsyncError(err) ? { code: err.code } : {}) };
}
