/**
 * The SQL queue's tables. Times are epoch milliseconds in BIGINT columns so SQLite and PostgreSQL
 * compare them the same way (pg returns BIGINT as a string: `toMs` normalises).
 */
import type { Generated, Selectable } from 'kysely';
import type { Job, JobAttempt } from '../types.js';
import { priorityOfRank } from '../defaults.js';

export const JOBS_TABLE = 'calsync_jobs';
export const MUTEX_TABLE = 'calsync_job_mutexes';

/** `queued` is reported as `waiting` or `delayed` depending on `run_at` versus the clock. */
export type StoredState = 'queued' | 'active' | 'completed' | 'dead';

export interface JobsTable {
  seq: Generated<number>;
  id: string;
  tenant_id: string;
  type: string;
  payload: string;
  priority_rank: number;
  key: string | null;
  /** Equal to `key` while the job may absorb new enqueues; cleared when a worker starts it. */
  coalesce_key: string | null;
  mutex: string | null;
  state: StoredState;
  run_at: number | string;
  lease_owner: string | null;
  lease_expires_at: number | string | null;
  attempts_made: number;
  max_attempts: number;
  backoff_ms: number;
  history: string;
  last_error: string | null;
  created_at: number | string;
  finished_at: number | string | null;
}

/** One row per mutex held by an active job; the primary key makes taking it atomic on both dialects. */
export interface MutexTable {
  mutex: string;
  job_id: string;
  lease_expires_at: number | string;
}

export interface QueueDb {
  [JOBS_TABLE]: JobsTable;
  [MUTEX_TABLE]: MutexTable;
}

export type JobRow = Selectable<JobsTable>;

export function toMs(v: number | string): number {
  return typeof v === 'number' ? v : Number(v);
}

export function rowToJob(row: JobRow, nowMs: number): Job {
  const runAt = toMs(row.run_at);
  const state = row.state === 'queued' ? (runAt > nowMs ? 'delayed' : 'waiting') : row.state;
  return {
    id: row.id,
    type: row.type,
    tenantId: row.tenant_id,
    payload: JSON.parse(row.payload) as unknown,
    priority: priorityOfRank(row.priority_rank),
    ...(row.key === null ? {} : { key: row.key }),
    ...(row.mutex === null ? {} : { mutex: row.mutex }),
    state,
    attemptsMade: row.attempts_made,
    maxAttempts: row.max_attempts,
    runAt: new Date(runAt).toISOString(),
    history: JSON.parse(row.history) as JobAttempt[],
    ...(row.last_error === null ? {} : { lastError: row.last_error }),
    createdAt: new Date(toMs(row.created_at)).toISOString(),
  };
}
