/**
 * Claiming jobs. A claim takes the best due jobs whose mutexes are free and, in the same transaction,
 * the mutex rows (primary key → atomic on both dialects: a concurrent PostgreSQL claimer of the same
 * mutex blocks on the key and then sees it held). The claim token names the lease in every later write.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../../util/clock.js';
import type { SqlDialect } from './migrations.js';
import { JOBS_TABLE, MUTEX_TABLE } from './schema.js';
import type { JobRow, QueueDb } from './schema.js';
import { inWriteTransaction } from './tx.js';

/** Candidates read beyond the batch size, for those skipped because their mutex is taken. */
const CLAIM_SLACK = 8;

export interface Claim {
  row: JobRow;
  token: string;
}

/**
 * Claims up to `max` due jobs in one transaction: best priority first, at most one per mutex, none
 * whose mutex a live lease holds. Batching keeps a busy worker at one round of statements per batch.
 */
export async function claimJobs(db: Kysely<QueueDb>, dialect: SqlDialect, clock: Clock, max: number, leaseMs: number): Promise<Claim[]> {
  const token = randomUUID();
  return inWriteTransaction(db, dialect, async (trx) => {
    const now = clock.now();
    let q = trx
      .selectFrom(JOBS_TABLE)
      .select(['id', 'mutex'])
      .where('state', '=', 'queued')
      .where('run_at', '<=', now)
      .where((eb) =>
        eb.or([
          eb('mutex', 'is', null),
          eb('mutex', 'not in', eb.selectFrom(MUTEX_TABLE).select('mutex').where('lease_expires_at', '>', now)),
        ]),
      )
      .orderBy('priority_rank')
      .orderBy('run_at')
      .orderBy('seq')
      // Extra candidates stand in for ones that share a mutex with a better job of this batch.
      .limit(max + CLAIM_SLACK);
    if (dialect === 'postgres') q = q.forUpdate().skipLocked();
    const candidates = await q.execute();
    const chosen: string[] = [];
    const mutexes = new Set<string>();
    for (const c of candidates) {
      if (chosen.length >= max) break;
      if (c.mutex !== null) {
        if (mutexes.has(c.mutex)) continue;
        // PostgreSQL: a concurrent claimer may have taken it since our snapshot; the key decides.
        if (!(await takeMutex(trx, c.mutex, c.id, now + leaseMs, now))) continue;
        mutexes.add(c.mutex);
      }
      chosen.push(c.id);
    }
    if (chosen.length === 0) return [];
    const rows = await trx
      .updateTable(JOBS_TABLE)
      .set((eb) => ({
        state: 'active',
        lease_owner: token,
        lease_expires_at: now + leaseMs,
        attempts_made: eb('attempts_made', '+', 1),
        coalesce_key: null,
      }))
      .where('id', 'in', chosen)
      .where('state', '=', 'queued')
      .returningAll()
      .execute();
    // Keep the priority order for callers that start jobs one by one.
    const order = new Map(chosen.map((id, i) => [id, i]));
    rows.sort((x, y) => (order.get(x.id) ?? 0) - (order.get(y.id) ?? 0));
    return rows.map((row) => ({ row, token }));
  });
}

/** Takes the mutex, or an expired holder's mutex; false while another live lease holds it. */
async function takeMutex(trx: Kysely<QueueDb>, mutex: string, jobId: string, expiresAt: number, now: number): Promise<boolean> {
  const taken = await trx
    .insertInto(MUTEX_TABLE)
    .values({ mutex, job_id: jobId, lease_expires_at: expiresAt })
    .onConflict((oc) =>
      oc
        .column('mutex')
        .doUpdateSet({ job_id: jobId, lease_expires_at: expiresAt })
        .where(`${MUTEX_TABLE}.lease_expires_at`, '<=', now),
    )
    .returning('mutex')
    .executeTakeFirst();
  return taken !== undefined;
}
