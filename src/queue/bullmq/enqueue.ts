/**
 * Enqueueing on BullMQ with calsync's coalescing: BullMQ's `deduplication` (no TTL) makes the add
 * atomic — while a job holds the key, adding another returns the existing id. Our worker drops the key
 * when the job starts, so "holds the key" means waiting or delayed, as on the SQL backend. BullMQ keeps
 * the first job untouched, so the merge rule (earlier run time, higher priority win) is applied here
 * afterwards; if the job starts in between, it starts after this enqueue and sees its change anyway.
 */
import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import { PRIORITY_RANK } from '../defaults.js';
import type { ResolvedSpec } from '../defaults.js';
import { BACKOFF_TYPE } from './backoff-strategy.js';
import type { Envelope } from './envelope.js';

export async function enqueueCoalescing<P>(
  queue: Queue<Envelope>,
  spec: ResolvedSpec<P>,
  delayedRunAt: (id: string) => Promise<number | undefined>,
  completedRetentionS: number,
): Promise<{ id: string; coalesced: boolean }> {
  const jobId = randomUUID();
  const runAt = Date.now() + spec.delayMs;
  const envelope: Envelope = {
    tenantId: spec.tenantId,
    payload: spec.payload,
    ...(spec.key === undefined ? {} : { key: spec.key }),
    ...(spec.mutex === undefined ? {} : { mutex: spec.mutex }),
    history: [],
  };
  const job = await queue.add(spec.type, envelope, {
    jobId,
    priority: PRIORITY_RANK[spec.priority] + 1,
    delay: spec.delayMs,
    attempts: spec.attempts,
    backoff: { type: BACKOFF_TYPE, delay: spec.backoffMs },
    removeOnComplete: { age: completedRetentionS },
    removeOnFail: false,
    ...(spec.key === undefined ? {} : { deduplication: { id: `${spec.tenantId}:${spec.key}` } }),
  });
  const id = String(job.id);
  if (id === jobId) return { id, coalesced: false };
  await merge(queue, id, spec, runAt, delayedRunAt);
  return { id, coalesced: true };
}

async function merge<P>(
  queue: Queue<Envelope>,
  id: string,
  spec: ResolvedSpec<P>,
  runAt: number,
  delayedRunAt: (id: string) => Promise<number | undefined>,
): Promise<void> {
  const existing = await queue.getJob(id);
  if (!existing) return;
  try {
    const rank = PRIORITY_RANK[spec.priority];
    if (rank + 1 < existing.priority) await existing.changePriority({ priority: rank + 1 });
    const current = await delayedRunAt(id);
    if (current !== undefined && runAt < current) {
      if (spec.delayMs === 0) await existing.promote();
      else await existing.changeDelay(spec.delayMs);
    }
  } catch (_movedOn) {
    // The job left waiting/delayed meanwhile (a worker took it): it runs after this enqueue, so the
    // change this enqueue announces is seen; nothing to merge into any more.
  }
}
