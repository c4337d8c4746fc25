/**
 * The host-app change feed (see `ChangeFeedRepo`): audit rows of a tenant after a seq, in seq order,
 * through the `audit_tenant_seq` index; and pruning of old history below the outbox drainer's mark,
 * which raises the tenant's `history_floor` so that a cursor from before it is refused, never gapped.
 */
import { sql } from 'kysely';
import type { CalendarEvent } from '../../model/event.js';
import type { RepoContext } from '../context.js';
import { fromJson } from '../json.js';
import { toNumber } from '../schema.js';
import type { AuditEntry, ChangeEntry, ChangeFeedRepo, ChangePosition, ChangeSource } from '../types.js';

export class SqlChangeFeedRepo implements ChangeFeedRepo {
  constructor(private readonly ctx: RepoContext) {}

  async read(tenantId: string, afterSeq: number, limit: number): Promise<ChangeEntry[]> {
    const rows = await this.ctx
      .db()
      .selectFrom('audit')
      .select(['id', 'seq', 'hub_event_id', 'source', 'action', 'version', 'before', 'after', 'at'])
      .where('tenant_id', '=', tenantId)
      .where('seq', '>', afterSeq)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      seq: toNumber(r.seq),
      auditId: r.id,
      hubEventId: r.hub_event_id,
      action: r.action as AuditEntry['action'],
      // Written by every change since migration 006, which backfilled the older rows.
      version: r.version ?? 0,
      source: r.source as ChangeSource,
      at: r.at,
      event: fromJson<CalendarEvent>(r.after ?? r.before ?? 'null', 'audit.after'),
    }));
  }

  async position(tenantId: string): Promise<ChangePosition> {
    const row = await this.ctx.db().selectFrom('tenants').select(['seq', 'history_floor']).where('id', '=', tenantId).executeTakeFirst();
    return { seq: row ? toNumber(row.seq) : 0, floor: row ? toNumber(row.history_floor) : 0 };
  }

  async pruneHistory(tenantId: string, before: string): Promise<{ pruned: number; floor: number }> {
    return this.ctx.atomic(async () => {
      const db = this.ctx.db();
      // Only what the drainer dispatched: the entries past its mark are still to be propagated.
      const mark = await db.selectFrom('outbox_progress').select('drained_seq').where('tenant_id', '=', tenantId).executeTakeFirst();
      const drained = mark ? toNumber(mark.drained_seq) : 0;
      const doomed = db
        .selectFrom('audit as a')
        .select('a.seq')
        .where('a.tenant_id', '=', tenantId)
        .where('a.at', '<', before)
        .where('a.seq', '<=', drained)
        // Each event keeps its latest entry: its current content stays in its history.
        .where(({ exists, selectFrom }) => exists(selectFrom('audit as later').select(sql`1`.as('one')).whereRef('later.tenant_id', '=', 'a.tenant_id').whereRef('later.hub_event_id', '=', 'a.hub_event_id').whereRef('later.seq', '>', 'a.seq')));
      const top = await db.selectFrom(doomed.as('d')).select([sql<number | string | null>`max(d.seq)`.as('top'), sql<number | string>`count(*)`.as('n')]).executeTakeFirst();
      const n = toNumber(top?.n ?? 0);
      const current = await this.position(tenantId);
      if (n === 0 || top?.top === null || top?.top === undefined) return { pruned: 0, floor: current.floor };
      const highest = toNumber(top.top);
      const deleted = await db.deleteFrom('audit').where('tenant_id', '=', tenantId).where('seq', 'in', doomed).executeTakeFirst();
      const floor = Math.max(current.floor, highest);
      await db.updateTable('tenants').set({ history_floor: floor }).where('id', '=', tenantId).execute();
      return { pruned: Number(deleted.numDeletedRows), floor };
    });
  }
}
