/**
 * Finding schedule changes whichever side made them (a calendar sync, the API, the CLI, WedSync): a
 * per-tenant cursor over the hub's change sequence and, per wedding-critical event, the schedule
 * snapshot last seen. A scan compares every hub event changed since the cursor with its snapshot.
 * Several edits between two scans are one change; an edit and its undo are none.
 *
 * Scans may run in several workers at once: the cursor moves compare-and-set, and only the scan that
 * moved it sends, so a change is announced once. An event without a snapshot (watched before this
 * table existed) falls back to the `before` of its latest audit entry.
 */
import type { Kysely } from 'kysely';
import { isWeddingCritical } from '../../model/priority.js';
import type { HubEvent } from '../../model/event.js';
import type { Store } from '../../store/types.js';
import { CURSOR_TABLE, SNAPSHOTS_TABLE, type NotificationTables } from './endpoints.js';
import { scheduleChange, snapshotOf, type ScheduleChange, type ScheduleSnapshot } from './schedule-change.js';

const PAGE = 500;

interface Pending {
  hubEventId: string;
  /** null: stop watching (deleted, or no longer wedding-critical). */
  snapshot: ScheduleSnapshot | null;
}

async function fallbackBefore(store: Store, hub: HubEvent): Promise<{ before?: ScheduleSnapshot; source?: string }> {
  const last = (await store.events.history(hub.tenantId, hub.id)).at(-1);
  const before = last && last.action !== 'create' && last.before && isWeddingCritical(last.before) ? snapshotOf(last.before) : undefined;
  return { ...(before ? { before } : {}), ...(last ? { source: last.source } : {}) };
}

export class ScheduleWatch {
  constructor(
    private readonly db: Kysely<NotificationTables>,
    private readonly store: Store,
  ) {}

  /** One scan of a tenant: the changes to announce (empty when another scan claimed them). */
  async scan(tenantId: string): Promise<ScheduleChange[]> {
    const row = await this.db.selectFrom(CURSOR_TABLE).select('seq').where('tenant_id', '=', tenantId).executeTakeFirst();
    if (!row) {
      // First scan: start from now; earlier history is not news.
      const seq = await this.store.events.maxSeq(tenantId);
      await this.db.insertInto(CURSOR_TABLE).values({ tenant_id: tenantId, seq }).onConflict((oc) => oc.column('tenant_id').doNothing()).execute();
      return [];
    }
    const changes: ScheduleChange[] = [];
    let cursor = Number(row.seq);
    for (;;) {
      const events = await this.store.events.changedSince(tenantId, cursor, PAGE);
      if (events.length === 0) return changes;
      const next = Math.max(...events.map((e) => e.seq));
      const page = await this.compare(tenantId, events);
      if (!(await this.advance(tenantId, cursor, next, page.pending))) return changes;
      changes.push(...page.changes);
      cursor = next;
    }
  }

  private async compare(tenantId: string, events: HubEvent[]): Promise<{ changes: ScheduleChange[]; pending: Pending[] }> {
    const rows = await this.db
      .selectFrom(SNAPSHOTS_TABLE)
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where(
        'hub_event_id',
        'in',
        events.map((e) => e.id),
      )
      .execute();
    const known = new Map(rows.map((r) => [r.hub_event_id, JSON.parse(r.snapshot) as ScheduleSnapshot]));
    const changes: ScheduleChange[] = [];
    const pending: Pending[] = [];
    for (const hub of events) {
      const critical = isWeddingCritical(hub.event);
      if (!critical && !known.has(hub.id)) continue;
      const gone = hub.deletedAt !== undefined || hub.event.status === 'cancelled';
      const after = gone ? null : snapshotOf(hub.event);
      const fallback = await fallbackBefore(this.store, hub);
      const before = known.get(hub.id) ?? fallback.before;
      const change = before ? scheduleChange(hub.id, before, after, hub.updatedAt, fallback.source) : undefined;
      if (change) changes.push(change);
      pending.push({ hubEventId: hub.id, snapshot: critical && !gone ? after : null });
    }
    return { changes, pending };
  }

  /** Moves the cursor from `from` to `to` and stores the snapshots, atomically; false if another scan moved it. */
  private async advance(tenantId: string, from: number, to: number, pending: Pending[]): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const moved = await tx.updateTable(CURSOR_TABLE).set({ seq: to }).where('tenant_id', '=', tenantId).where('seq', '=', from).executeTakeFirst();
      if (Number(moved.numUpdatedRows) === 0) return false;
      for (const p of pending) {
        await tx.deleteFrom(SNAPSHOTS_TABLE).where('tenant_id', '=', tenantId).where('hub_event_id', '=', p.hubEventId).execute();
        if (p.snapshot) await tx.insertInto(SNAPSHOTS_TABLE).values({ tenant_id: tenantId, hub_event_id: p.hubEventId, snapshot: JSON.stringify(p.snapshot) }).execute();
      }
      return true;
    });
  }
}
