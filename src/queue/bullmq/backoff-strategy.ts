/**
 * BullMQ's custom backoff hook, wired to the shared failure policy: -1 tells BullMQ not to retry (the
 * job goes to failed, our dead letters), any other number is the delay before the next attempt.
 */
import type { MinimalJob } from 'bullmq';
import { dispositionFor } from '../failure.js';

export const BACKOFF_TYPE = 'calsync';

export type BackoffStrategy = (attemptsMade: number, type?: string, err?: Error, job?: MinimalJob) => number;

export function calsyncBackoff(random: () => number = Math.random): BackoffStrategy {
  return (attemptsMade, _type, err, job) => {
    const base = typeof job?.opts.backoff === 'object' ? (job.opts.backoff.delay ?? 0) : 0;
    const d = dispositionFor(err, attemptsMade, job?.opts.attempts ?? 1, base, random);
    return d.kind === 'dead' ? -1 : d.delayMs;
  };
}
