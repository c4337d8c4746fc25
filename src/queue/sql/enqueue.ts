/**
 * Enqueueing on the SQL queue, with coalescing: a job with a key merges into the pending job holding
 * that key (earlier run time and higher priority win; the first payload is kept). On SQLite, enqueues
 * arriving in one turn of the event loop share one transaction (group commit): a webhook burst costs one
 * commit, not one per job. PostgreSQL runs each enqueue as its own statements, concurrently.
 */
import { randomUUID } from 'node:crypto';
import type { Insertable, Kysely } from 'kysely';
import type { Clock } from '../../util/clock.js';
import { PRIORITY_RANK } from '../defaults.js';
import type { ResolvedSpec } from '../defaults.js';
import type { SqlDialect } from './migrations.js';
import { JOBS_TABLE } from './schema.js';
import type { JobsTable, QueueDb } from './schema.js';
import { inWriteTransaction } from './tx.js';

/** Enough rounds for an enqueue racing workers that keep claiming the job it tries to merge into. */
const COALESCE_ROUNDS = 5;
/** Enqueues per group commit. */
const ENQUEUE_BATCH = 500;

export interface Enqueued {
  id: string;
  coalesced: boolean;
}

export class SqlEnqueuer {
  private readonly pending: Array<{ spec: ResolvedSpec<unknown>; resolve: (r: Enqueued) => void; reject: (err: unknown) => void }> = [];

  constructor(
    private readonly db: Kysely<QueueDb>,
    private readonly dialect: SqlDialect,
    private readonly clock: Clock,
  ) {}

  enqueue<P>(spec: ResolvedSpec<P>): Promise<Enqueued> {
    if (this.dialect === 'postgres') return enqueueOn(this.db, this.clock, spec);
    return new Promise((resolve, reject) => {
      this.pending.push({ spec, resolve, reject });
      if (this.pending.length === 1) setImmediate(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending.splice(0, ENQUEUE_BATCH);
    if (this.pending.length > 0) setImmediate(() => void this.flush());
    try {
      const results = await inWriteTransaction(this.db, this.dialect, async (trx) => {
        const out: Enqueued[] = [];
        // One after the other: a later enqueue in the batch may merge into an earlier one.
        for (const p of batch) out.push(await enqueueOn(trx, this.clock, p.spec));
        return out;
      });
      // One result per spec, in order.
      batch.forEach((p, i) => p.resolve(results[i] as Enqueued));
    } catch (err) {
      for (const p of batch) p.reject(err);
    }
  }
}

/** Merge into the pending job with the same key, or insert; `db` may be a transaction. */
async function enqueueOn<P>(db: Kysely<QueueDb>, clock: Clock, spec: ResolvedSpec<P>): Promise<Enqueued> {
  const now = clock.now();
  const runAt = now + spec.delayMs;
  const rank = PRIORITY_RANK[spec.priority];
  const key = spec.key;
  if (key === undefined) return { id: await insert(db, spec, now, runAt, rank, null), coalesced: false };
  for (let round = 0; round < COALESCE_ROUNDS; round++) {
    // Merge first: the common case for a burst of webhooks is that a pending job already exists.
    const merged = await db
      .updateTable(JOBS_TABLE)
      .set((eb) => ({
        run_at: eb.case().when('run_at', '>', runAt).then(runAt).else(eb.ref('run_at')).end(),
        priority_rank: eb.case().when('priority_rank', '>', rank).then(rank).else(eb.ref('priority_rank')).end(),
      }))
      .where('tenant_id', '=', spec.tenantId)
      .where('coalesce_key', '=', key)
      .returning('id')
      .executeTakeFirst();
    if (merged) return { id: merged.id, coalesced: true };
    // The unique (tenant_id, coalesce_key) index settles a race between two enqueuers.
    const id = await insert(db, spec, now, runAt, rank, key);
    if (id !== '') return { id, coalesced: false };
  }
  // Workers claimed every job we tried to merge into: a separate job is still correct.
  return { id: await insert(db, spec, now, runAt, rank, null), coalesced: false };
}

/** Returns '' when the coalescing key is already taken. */
async function insert<P>(db: Kysely<QueueDb>, spec: ResolvedSpec<P>, now: number, runAt: number, rank: number, coalesceKey: string | null): Promise<string> {
  const id = randomUUID();
  const values: Insertable<JobsTable> = {
    id,
    tenant_id: spec.tenantId,
    type: spec.type,
    payload: JSON.stringify(spec.payload ?? null),
    priority_rank: rank,
    key: spec.key ?? null,
    coalesce_key: coalesceKey,
    mutex: spec.mutex ?? null,
    state: 'queued',
    run_at: runAt,
    lease_owner: null,
    lease_expires_at: null,
    attempts_made: 0,
    max_attempts: spec.attempts,
    backoff_ms: spec.backoffMs,
    history: '[]',
    last_error: null,
    created_at: now,
    finished_at: null,
  };
  const row = await db
    .insertInto(JOBS_TABLE)
    .values(values)
    .onConflict((oc) => oc.columns(['tenant_id', 'coalesce_key']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return row?.id ?? '';
}
