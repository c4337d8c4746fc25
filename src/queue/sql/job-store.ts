/**
 * Reading and dead-letter administration for the SQL queue (enqueueing is enqueue.ts). Every write is
 * one statement, so several processes may share the tables.
 */
import type { Kysely } from 'kysely';
import type { Clock } from '../../util/clock.js';
import type { Job, QueueCounts } from '../types.js';
import { JOBS_TABLE, rowToJob } from './schema.js';
import type { QueueDb } from './schema.js';
import type { SqlDialect } from './migrations.js';
import { serializedWrite } from './tx.js';

export class SqlJobStore {
  constructor(
    readonly db: Kysely<QueueDb>,
    readonly dialect: SqlDialect,
    readonly clock: Clock,
  ) {}

  async get(id: string): Promise<Job | undefined> {
    const row = await this.db.selectFrom(JOBS_TABLE).selectAll().where('id', '=', id).executeTakeFirst();
    return row ? rowToJob(row, this.clock.now()) : undefined;
  }

  async counts(tenantId?: string): Promise<QueueCounts> {
    const now = this.clock.now();
    let q = this.db
      .selectFrom(JOBS_TABLE)
      .select((eb) => [
        eb.fn.countAll<number | string>().filterWhere('state', '=', 'active').as('active'),
        eb.fn.countAll<number | string>().filterWhere('state', '=', 'dead').as('dead'),
        eb.fn.countAll<number | string>().filterWhere((w) => w.and([w('state', '=', 'queued'), w('run_at', '<=', now)])).as('waiting'),
        eb.fn.countAll<number | string>().filterWhere((w) => w.and([w('state', '=', 'queued'), w('run_at', '>', now)])).as('delayed'),
      ])
      .where('state', '!=', 'completed');
    if (tenantId !== undefined) q = q.where('tenant_id', '=', tenantId);
    const row = await q.executeTakeFirstOrThrow();
    return { waiting: Number(row.waiting), delayed: Number(row.delayed), active: Number(row.active), dead: Number(row.dead) };
  }

  /**
   * Whether anything is active or waiting-and-due: what `drain` waits for. One statement (one snapshot),
   * so a job moving between the two states cannot slip between two probes; EXISTS stops at the first row.
   */
  async busy(): Promise<boolean> {
    const now = this.clock.now();
    const row = await this.db
      .selectNoFrom((eb) => [
        eb.exists(eb.selectFrom(JOBS_TABLE).select('id').where('state', '=', 'active')).as('active'),
        eb.exists(eb.selectFrom(JOBS_TABLE).select('id').where('state', '=', 'queued').where('run_at', '<=', now)).as('due'),
      ])
      .executeTakeFirstOrThrow();
    return Boolean(row.active) || Boolean(row.due);
  }

  async deadLetters(tenantId?: string): Promise<Job[]> {
    let q = this.db.selectFrom(JOBS_TABLE).selectAll().where('state', '=', 'dead');
    if (tenantId !== undefined) q = q.where('tenant_id', '=', tenantId);
    const rows = await q.orderBy('finished_at', 'desc').orderBy('seq', 'desc').execute();
    const now = this.clock.now();
    return rows.map((r) => rowToJob(r, now));
  }

  async replay(id: string, tenantId?: string): Promise<boolean> {
    let q = this.db
      .updateTable(JOBS_TABLE)
      .set({ state: 'queued', run_at: this.clock.now(), attempts_made: 0, finished_at: null, lease_owner: null, lease_expires_at: null })
      .where('id', '=', id)
      .where('state', '=', 'dead');
    if (tenantId !== undefined) q = q.where('tenant_id', '=', tenantId);
    const res = await serializedWrite(this.dialect, () => q.executeTakeFirst());
    return res.numUpdatedRows > 0n;
  }

  async discard(id: string, tenantId?: string): Promise<boolean> {
    let q = this.db.deleteFrom(JOBS_TABLE).where('id', '=', id).where('state', '=', 'dead');
    if (tenantId !== undefined) q = q.where('tenant_id', '=', tenantId);
    const res = await serializedWrite(this.dialect, () => q.executeTakeFirst());
    return res.numDeletedRows > 0n;
  }

  /** Completed jobs are kept for a while (dashboards show recent runs), then removed. */
  async pruneCompleted(olderThanMs: number): Promise<void> {
    const before = this.clock.now() - olderThanMs;
    await serializedWrite(this.dialect, () =>
      this.db.deleteFrom(JOBS_TABLE).where('state', '=', 'completed').where('finished_at', '<', before).execute(),
    );
  }
}
