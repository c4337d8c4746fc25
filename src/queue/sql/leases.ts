/**
 * Leases of claimed jobs: renewal, completion (group-committed), failure, release and the reclaiming of
 * expired ones. Every write names the claim token, so a worker whose lease was taken over can no longer
 * complete, fail or renew the job.
 */
import type { Kysely } from 'kysely';
import type { Clock } from '../../util/clock.js';
import { attemptRecord, dispositionFor } from '../failure.js';
import type { JobAttempt } from '../types.js';
import { JOBS_TABLE, MUTEX_TABLE } from './schema.js';
import type { JobRow, QueueDb } from './schema.js';
import { claimJobs } from './claim.js';
import type { Claim } from './claim.js';
import type { SqlDialect } from './migrations.js';
import { inWriteTransaction, serializedWrite } from './tx.js';

const RECLAIM_BATCH = 100;
/** Completions per group commit (two parameters each; far below SQLite's parameter limit). */
const COMPLETE_BATCH = 200;


export class SqlLeases {
  private readonly completions: Array<{ claim: Claim; resolve: () => void; reject: (err: unknown) => void }> = [];

  constructor(
    private readonly db: Kysely<QueueDb>,
    private readonly dialect: SqlDialect,
    private readonly clock: Clock,
    private readonly random: () => number = Math.random,
  ) {}

  claim(max: number, leaseMs: number): Promise<Claim[]> {
    return claimJobs(this.db, this.dialect, this.clock, max, leaseMs);
  }

  /**
   * Extends a live lease (and its mutex); false when the lease was lost. Never shortens a lease: a
   * renewal that waited for a connection must not overwrite a later one.
   */
  async renew(jobId: string, token: string, leaseMs: number): Promise<boolean> {
    const expiresAt = this.clock.now() + leaseMs;
    return inWriteTransaction(this.db, this.dialect, async (trx) => {
      const res = await trx
        .updateTable(JOBS_TABLE)
        .set((eb) => ({
          lease_expires_at: eb.case().when('lease_expires_at', '<', expiresAt).then(expiresAt).else(eb.ref('lease_expires_at')).end(),
        }))
        .where('id', '=', jobId)
        .where('lease_owner', '=', token)
        .where('state', '=', 'active')
        .executeTakeFirst();
      if (res.numUpdatedRows === 0n) return false;
      await trx
        .updateTable(MUTEX_TABLE)
        .set({ lease_expires_at: expiresAt })
        .where('job_id', '=', jobId)
        .where('lease_expires_at', '<', expiresAt)
        .execute();
      return true;
    });
  }

  /**
   * Completions arriving in one turn of the event loop are written in one transaction (group commit):
   * with many short jobs the commit, not the update, is what costs.
   */
  complete(claim: Claim): Promise<void> {
    return new Promise((resolve, reject) => {
      this.completions.push({ claim, resolve, reject });
      if (this.completions.length === 1) setImmediate(() => void this.flushCompletions());
    });
  }

  private async flushCompletions(): Promise<void> {
    const batch = this.completions.splice(0, COMPLETE_BATCH);
    if (this.completions.length > 0) setImmediate(() => void this.flushCompletions());
    const now = this.clock.now();
    try {
      await inWriteTransaction(this.db, this.dialect, async (trx) => {
        const done = await trx
          .updateTable(JOBS_TABLE)
          .set({ state: 'completed', finished_at: now, lease_owner: null, lease_expires_at: null })
          .where('state', '=', 'active')
          .where((eb) => eb.or(batch.map(({ claim }) => eb.and([eb('id', '=', claim.row.id), eb('lease_owner', '=', claim.token)]))))
          .returning('id')
          .execute();
        // Only jobs this worker still held give their mutex back: a reclaimed job's mutex is the new holder's.
        const ids = new Set(done.map((r) => r.id));
        const held = batch.flatMap(({ claim }) => (claim.row.mutex !== null && ids.has(claim.row.id) ? [{ mutex: claim.row.mutex, id: claim.row.id }] : []));
        if (held.length > 0) {
          await trx
            .deleteFrom(MUTEX_TABLE)
            .where((eb) => eb.or(held.map((h) => eb.and([eb('mutex', '=', h.mutex), eb('job_id', '=', h.id)]))))
            .execute();
        }
      });
      for (const c of batch) c.resolve();
    } catch (err) {
      for (const c of batch) c.reject(err);
    }
  }

  /** Records the failure, then schedules a retry or moves the job to the dead letters. */
  async fail(claim: Claim, err: unknown): Promise<'retry' | 'dead'> {
    const now = this.clock.now();
    const { row } = claim;
    const history: JobAttempt[] = [...(JSON.parse(row.history) as JobAttempt[]), attemptRecord(err, now)];
    const last = history[history.length - 1]?.error ?? null;
    const d = dispositionFor(err, row.attempts_made, row.max_attempts, row.backoff_ms, this.random);
    const common = { history: JSON.stringify(history), last_error: last, lease_owner: null, lease_expires_at: null };
    await this.finish(
      claim,
      d.kind === 'dead' ? { ...common, state: 'dead', finished_at: now } : { ...common, state: 'queued', run_at: now + d.delayMs },
    );
    return d.kind;
  }

  /** Gives a job back untouched (worker shutting down): the attempt it started does not count. */
  async release(claim: Claim): Promise<void> {
    await this.finish(claim, {
      state: 'queued',
      run_at: this.clock.now(),
      attempts_made: Math.max(0, claim.row.attempts_made - 1),
      lease_owner: null,
      lease_expires_at: null,
    });
  }

  /** `expiredBy`: only if the lease is (still) expired at that time — a reclaim must not race a renewal. */
  private async finish(claim: Claim, set: Partial<Omit<JobRow, 'id' | 'seq'>>, expiredBy?: number): Promise<void> {
    const write = async (trx: Kysely<QueueDb>): Promise<void> => {
      let update = trx
        .updateTable(JOBS_TABLE)
        .set(set)
        .where('id', '=', claim.row.id)
        .where('lease_owner', '=', claim.token)
        .where('state', '=', 'active');
      if (expiredBy !== undefined) update = update.where('lease_expires_at', '<=', expiredBy);
      const res = await update.executeTakeFirst();
      if (res.numUpdatedRows > 0n && claim.row.mutex !== null) {
        await trx.deleteFrom(MUTEX_TABLE).where('mutex', '=', claim.row.mutex).where('job_id', '=', claim.row.id).execute();
      }
    };
    // Without a mutex it is one statement: no transaction needed.
    if (claim.row.mutex === null) await serializedWrite(this.dialect, () => write(this.db));
    else await inWriteTransaction(this.db, this.dialect, write);
  }

  /**
   * Jobs whose worker stopped renewing (killed, frozen, partitioned): each counts as a failed attempt and
   * is retried at once, or goes to the dead letters when its attempts are used up. Returns how many
   * expired leases were found.
   */
  async reclaimExpired(): Promise<number> {
    const now = this.clock.now();
    const expired = await this.db
      .selectFrom(JOBS_TABLE)
      .selectAll()
      .where('state', '=', 'active')
      .where('lease_expires_at', '<=', now)
      .limit(RECLAIM_BATCH)
      .execute();
    const lost = { message: 'lease expired: the worker stopped renewing it', code: 'QUEUE_FAILURE' };
    for (const row of expired) {
      if (row.lease_owner === null) continue;
      const history: JobAttempt[] = [...(JSON.parse(row.history) as JobAttempt[]), { at: new Date(now).toISOString(), error: lost.message, code: lost.code }];
      const dead = row.attempts_made >= row.max_attempts;
      await this.finish(
        { row, token: row.lease_owner },
        {
          ...(dead ? { state: 'dead', finished_at: now } : { state: 'queued', run_at: now }),
          history: JSON.stringify(history),
          last_error: lost.message,
          lease_owner: null,
          lease_expires_at: null,
        },
        now,
      );
    }
    return expired.length;
  }
}
