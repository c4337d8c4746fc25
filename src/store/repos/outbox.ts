/**
 * The outbox over the audit table (see `OutboxRepo`): the drainer's per-tenant mark in
 * `outbox_progress`, and "audit rows after seq N" through the `audit_tenant_seq` index. A tenant that
 * never drained has no progress row and reads as mark 0; the first `advance` creates it.
 */
import { sql } from 'kysely';
import type { RepoContext } from '../context.js';
import { nowIso } from '../context.js';
import { toNumber } from '../schema.js';
import type { AuditEntry, ChangeSource, OutboxBacklog, OutboxEntry, OutboxRepo } from '../types.js';

const DEFAULT_LIMIT = 1_000;

export class SqlOutboxRepo implements OutboxRepo {
  constructor(
    private readonly ctx: RepoContext,
    private readonly subscribe: (listener: (tenantId: string) => void) => () => void,
  ) {}

  async backlog(): Promise<OutboxBacklog[]> {
    const rows = await this.ctx
      .db()
      .selectFrom('tenants')
      .leftJoin('outbox_progress', 'outbox_progress.tenant_id', 'tenants.id')
      .select(['tenants.id as tenantId', 'tenants.seq as seq', sql<number | string>`coalesce(outbox_progress.drained_seq, 0)`.as('drainedSeq')])
      .where(sql<boolean>`tenants.seq > coalesce(outbox_progress.drained_seq, 0)`)
      .orderBy('tenants.id')
      .execute();
    return rows.map((r) => ({ tenantId: r.tenantId, seq: toNumber(r.seq), drainedSeq: toNumber(r.drainedSeq) }));
  }

  async drainedSeq(tenantId: string): Promise<number> {
    const row = await this.ctx.db().selectFrom('outbox_progress').select('drained_seq').where('tenant_id', '=', tenantId).executeTakeFirst();
    return row ? toNumber(row.drained_seq) : 0;
  }

  async read(tenantId: string, afterSeq: number, limit = DEFAULT_LIMIT): Promise<OutboxEntry[]> {
    const rows = await this.ctx
      .db()
      .selectFrom('audit')
      .select(['seq', 'hub_event_id', 'source', 'action'])
      .where('tenant_id', '=', tenantId)
      .where('seq', '>', afterSeq)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ seq: toNumber(r.seq), hubEventId: r.hub_event_id, source: r.source as ChangeSource, action: r.action as AuditEntry['action'] }));
  }

  async advance(tenantId: string, from: number, to: number): Promise<boolean> {
    if (to <= from) return false;
    const db = this.ctx.db();
    const now = nowIso(this.ctx);
    const updated = await db.updateTable('outbox_progress').set({ drained_seq: to, updated_at: now }).where('tenant_id', '=', tenantId).where('drained_seq', '=', from).executeTakeFirst();
    if (updated.numUpdatedRows > 0n) return true;
    if (from !== 0) return false;
    // Never drained: no row yet counts as mark 0. A concurrent first drainer may have created it already.
    const inserted = await db
      .insertInto('outbox_progress')
      .values({ tenant_id: tenantId, drained_seq: to, updated_at: now })
      .onConflict((oc) => oc.column('tenant_id').doNothing())
      .executeTakeFirst();
    return (inserted.numInsertedOrUpdatedRows ?? 0n) > 0n;
  }

  onCommit(listener: (tenantId: string) => void): () => void {
    return this.subscribe(listener);
  }
}
