/**
 * Per-calendar sync state. A calendar that never synced has the empty state (hubSeq 0, no cursor).
 * `set` with `expectedCursor` is compare-and-set, so two syncs of one calendar cannot both advance it.
 * The push registration (`push`) has its own writer, `setPush`: `set` leaves it as it is, so a sync
 * writing back the state it read cannot undo a subscription saved meanwhile. Likewise `setClaim` writes
 * only the claim: a sync taking the calendar cannot undo another sync's state saved meanwhile.
 */
import { NotFoundError, StoreConflictError } from '../../errors.js';
import type { RepoContext } from '../context.js';
import { fromJsonOpt, opt, toJson } from '../json.js';
import { POLL_NOW, toNumber } from '../schema.js';
import type { SyncState, SyncStateRepo, WrittenSinceCursor } from '../types.js';

export class SqlSyncStateRepo implements SyncStateRepo {
  constructor(private readonly ctx: RepoContext) {}

  async get(tenantId: string, calendarId: string): Promise<SyncState> {
    const row = await this.ctx
      .db()
      .selectFrom('calendars')
      .leftJoin('sync_state', 'sync_state.calendar_id', 'calendars.id')
      .select(['sync_state.cursor', 'sync_state.hub_seq', 'sync_state.last_sync_at', 'sync_state.last_success_at', 'sync_state.last_error', 'sync_state.push', 'sync_state.written', 'sync_state.claim'])
      .where('calendars.tenant_id', '=', tenantId)
      .where('calendars.id', '=', calendarId)
      .executeTakeFirst();
    if (!row) throw new NotFoundError('calendar', calendarId);
    return {
      calendarId,
      ...opt('cursor', row.cursor),
      hubSeq: row.hub_seq === null ? 0 : toNumber(row.hub_seq),
      ...opt('lastSyncAt', row.last_sync_at),
      ...opt('lastSuccessAt', row.last_success_at),
      ...opt('lastError', row.last_error),
      ...opt('push', fromJsonOpt<Record<string, unknown>>(row.push, 'sync_state.push')),
      ...opt('written', fromJsonOpt<WrittenSinceCursor>(row.written, 'sync_state.written')),
      ...opt('claim', row.claim),
    };
  }

  async set(tenantId: string, state: SyncState, opts?: { expectedCursor?: string | null; expectedWritten?: WrittenSinceCursor | null }): Promise<void> {
    const values = {
      cursor: state.cursor ?? null,
      hub_seq: state.hubSeq,
      last_sync_at: state.lastSyncAt ?? null,
      last_success_at: state.lastSuccessAt ?? null,
      last_error: state.lastError ?? null,
      written: state.written === undefined ? null : toJson(state.written),
      claim: state.claim ?? null,
    };
    const row = { calendar_id: state.calendarId, tenant_id: tenantId, ...values };
    const db = this.ctx.db();
    if (opts?.expectedCursor === undefined) {
      // The foreign key (tenant_id, calendar_id) rejects a calendar of another tenant (STORE_NOT_FOUND).
      const result = await db
        .insertInto('sync_state')
        .values(row)
        .onConflict((oc) => oc.column('calendar_id').doUpdateSet(values).where('sync_state.tenant_id', '=', tenantId))
        .executeTakeFirst();
      // Nothing written: the row exists under another tenant (the upsert's guard refused it).
      if ((result.numInsertedOrUpdatedRows ?? 0n) === 0n) throw new NotFoundError('calendar', state.calendarId);
      return;
    }
    const expected = opts.expectedCursor;
    let update = db.updateTable('sync_state').set(values).where('tenant_id', '=', tenantId).where('calendar_id', '=', state.calendarId);
    update = expected === null ? update.where('cursor', 'is', null) : update.where('cursor', '=', expected);
    // Stored JSON is the JSON.stringify of a value parsed from it (key order kept): text equality is value equality.
    const written = opts.expectedWritten;
    if (written !== undefined) update = written === null ? update.where('written', 'is', null) : update.where('written', '=', toJson(written));
    const result = await update.executeTakeFirst();
    if (result.numUpdatedRows > 0n) return;
    if (expected === null) {
      // No row yet counts as "no cursor": create it, unless a concurrent writer got there first.
      const inserted = await db
        .insertInto('sync_state')
        .values(row)
        .onConflict((oc) => oc.column('calendar_id').doNothing())
        .executeTakeFirst();
      if ((inserted.numInsertedOrUpdatedRows ?? 0n) > 0n) return;
    }
    const current = await this.get(tenantId, state.calendarId);
    throw new StoreConflictError(`sync state of calendar ${state.calendarId} moved (cursor or written items changed)`, {
      calendarId: state.calendarId,
      expected,
      actual: current.cursor ?? null,
    });
  }

  async setPush(tenantId: string, calendarId: string, push: Record<string, unknown> | undefined, opts?: { expected?: Record<string, unknown> | null }): Promise<void> {
    const text = push === undefined ? null : toJson(push);
    const expected = opts?.expected;
    const db = this.ctx.db();
    const update = async (): Promise<boolean> => {
      let q = db.updateTable('sync_state').set({ push: text }).where('tenant_id', '=', tenantId).where('calendar_id', '=', calendarId);
      // Stored JSON is the JSON.stringify of a value parsed from it (key order kept): text equality is value equality.
      if (expected !== undefined) q = expected === null ? q.where('push', 'is', null) : q.where('push', '=', toJson(expected));
      return (await q.executeTakeFirst()).numUpdatedRows > 0n;
    };
    // Without a live registration the calendar is polled more often: the poller recomputes its next poll.
    const reschedule = async (): Promise<void> => {
      await db.updateTable('calendars').set({ next_poll_at: POLL_NOW }).where('tenant_id', '=', tenantId).where('id', '=', calendarId).execute();
    };
    if (await update()) return reschedule();
    if (expected === undefined || expected === null) {
      // No row yet (never synced): create it. The foreign key rejects another tenant's calendar (STORE_NOT_FOUND).
      const inserted = await db
        .insertInto('sync_state')
        .values({ calendar_id: calendarId, tenant_id: tenantId, cursor: null, hub_seq: 0, last_sync_at: null, last_success_at: null, last_error: null, push: text, written: null, claim: null })
        .onConflict((oc) => oc.column('calendar_id').doNothing())
        .executeTakeFirst();
      if ((inserted.numInsertedOrUpdatedRows ?? 0n) > 0n) return reschedule();
      // A concurrent writer created the row first.
      if (expected === undefined && (await update())) return reschedule();
    }
    const current = await this.get(tenantId, calendarId);
    throw new StoreConflictError(`push registration of calendar ${calendarId} changed`, { calendarId, expected: expected ?? null, actual: current.push ?? null });
  }

  async setClaim(tenantId: string, calendarId: string, claim: string): Promise<void> {
    // Only the claim column: the foreign key (tenant_id, calendar_id) rejects another tenant's calendar.
    const result = await this.ctx
      .db()
      .insertInto('sync_state')
      .values({ calendar_id: calendarId, tenant_id: tenantId, cursor: null, hub_seq: 0, last_sync_at: null, last_success_at: null, last_error: null, push: null, written: null, claim })
      .onConflict((oc) => oc.column('calendar_id').doUpdateSet({ claim }).where('sync_state.tenant_id', '=', tenantId))
      .executeTakeFirst();
    if ((result.numInsertedOrUpdatedRows ?? 0n) === 0n) throw new NotFoundError('calendar', calendarId);
  }

  async holdClaim(tenantId: string, calendarId: string, claim: string): Promise<boolean> {
    // A no-op update: it matches only while the claim is ours, and takes the row's write lock.
    const result = await this.ctx
      .db()
      .updateTable('sync_state')
      .set((eb) => ({ claim: eb.ref('claim') }))
      .where('tenant_id', '=', tenantId)
      .where('calendar_id', '=', calendarId)
      .where('claim', '=', claim)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }
}
