/**
 * What calsync stores in a BullMQ job: the job name is the handler type and the data is this envelope,
 * so tenant, coalescing key, mutex and the attempt history travel with the job through BullMQ's states.
 */
import type { Job as BullJob } from 'bullmq';
import { priorityOfRank } from '../defaults.js';
import type { Job, JobAttempt, JobState } from '../types.js';

export interface Envelope {
  tenantId: string;
  payload: unknown;
  key?: string;
  mutex?: string;
  history: JobAttempt[];
  lastError?: string;
}

const STATES: Record<string, JobState> = {
  waiting: 'waiting',
  wait: 'waiting',
  prioritized: 'waiting',
  delayed: 'delayed',
  active: 'active',
  completed: 'completed',
  failed: 'dead',
};

/** BullMQ stores delayed jobs scored by `runAt * 0x1000 + counter`. */
export const DELAY_SCORE_FACTOR = 0x1000;

/** `runAtMs` is read from the delayed set when the job is delayed; otherwise its enqueue time + delay. */
export function toJob(job: BullJob<Envelope>, bullState: string, runAtMs: number | undefined): Job {
  const env = job.data;
  const state = STATES[bullState] ?? 'waiting';
  const lastError = env.lastError ?? (job.failedReason || undefined);
  return {
    id: String(job.id),
    type: job.name,
    tenantId: env.tenantId,
    payload: env.payload,
    // BullMQ's priority is 1-based (1 = highest); merges change it in place.
    priority: priorityOfRank(job.priority - 1),
    ...(env.key === undefined ? {} : { key: env.key }),
    ...(env.mutex === undefined ? {} : { mutex: env.mutex }),
    state,
    // BullMQ counts finished attempts; calsync also counts the running one (as the SQL queue does).
    attemptsMade: state === 'active' && !job.finishedOn ? job.attemptsMade + 1 : job.attemptsMade,
    maxAttempts: job.opts.attempts ?? 1,
    runAt: new Date(runAtMs ?? job.timestamp + (job.delay || 0)).toISOString(),
    history: env.history,
    ...(lastError === undefined ? {} : { lastError }),
    createdAt: new Date(job.timestamp).toISOString(),
  };
}
