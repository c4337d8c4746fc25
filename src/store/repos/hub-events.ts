import type { CalendarEvent, HubEvent } from '../../model/event.js';
import { fromJson } from '../json.js';
import { NotFoundError, StoreConflictError } from '../../errors.js';
import type { RepoContext } from '../context.js';
import { chunks, IN_LIST_CHUNK, nowIso } from '../context.js';
import type { AuditEntry, ChangeSource, HubEventRepo, PutHubEventInput } from '../types.js';
import type { HubEventRow } from './hub-event-rows.js';
import { toAuditEntry, toHubEvent } from './hub-event-rows.js';
import { putMany, writeChange } from './hub-event-writes.js';
import { currentSeq } from './tenants.js';

const DEFAULT_PAGE = 1_000;

export class SqlHubEventRepo implements HubEventRepo {
  constructor(private readonly ctx: RepoContext) {}

  private async row(tenantId: string, id: string): Promise<HubEventRow | undefined> {
    return this.ctx.db().selectFrom('hub_events').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
  }

  async get(tenantId: string, id: string, opts?: { includeDeleted?: boolean }): Promise<HubEvent | undefined> {
    const row = await this.row(tenantId, id);
    if (!row || (row.deleted_at !== null && opts?.includeDeleted !== true)) return undefined;
    return toHubEvent(row);
  }

  async getByUid(tenantId: string, uid: string, opts?: { includeDeleted?: boolean }): Promise<HubEvent | undefined> {
    const row = await this.ctx.db().selectFrom('hub_events').selectAll().where('tenant_id', '=', tenantId).where('uid', '=', uid).executeTakeFirst();
    if (!row || (row.deleted_at !== null && opts?.includeDeleted !== true)) return undefined;
    return toHubEvent(row);
  }

  /** Tombstones included (the caller sees `deletedAt`); missing ids are skipped; input order kept. */
  async getMany(tenantId: string, ids: readonly string[]): Promise<HubEvent[]> {
    const byId = new Map<string, HubEventRow>();
    for (const part of chunks([...new Set(ids)], IN_LIST_CHUNK)) {
      const rows = await this.ctx.db().selectFrom('hub_events').selectAll().where('tenant_id', '=', tenantId).where('id', 'in', part).execute();
      for (const row of rows) byId.set(row.id, row);
    }
    return [...new Set(ids)].flatMap((id) => {
      const row = byId.get(id);
      return row ? [toHubEvent(row)] : [];
    });
  }

  /** Keyset pagination by id: pass the last id of a page as `after` to get the next. */
  async list(tenantId: string, opts?: { includeDeleted?: boolean; limit?: number; after?: string }): Promise<HubEvent[]> {
    let query = this.ctx.db().selectFrom('hub_events').selectAll().where('tenant_id', '=', tenantId);
    if (opts?.includeDeleted !== true) query = query.where('deleted_at', 'is', null);
    if (opts?.after !== undefined) query = query.where('id', '>', opts.after);
    if (opts?.limit !== undefined) query = query.limit(opts.limit);
    const rows = await query.orderBy('id').execute();
    return rows.map((row) => toHubEvent(row));
  }

  async changedSince(tenantId: string, seq: number, limit = DEFAULT_PAGE): Promise<HubEvent[]> {
    const rows = await this.ctx
      .db()
      .selectFrom('hub_events')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('seq', '>', seq)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map((row) => toHubEvent(row));
  }

  /** The tenant's seq counter: every committed change has a seq ≤ this, every later one a greater seq. */
  maxSeq(tenantId: string): Promise<number> {
    return currentSeq(this.ctx, tenantId);
  }

  async put(tenantId: string, input: PutHubEventInput): Promise<HubEvent> {
    const [written] = await this.putMany(tenantId, [input]);
    if (!written) throw new StoreConflictError('put wrote nothing');
    return written;
  }

  async putMany(tenantId: string, inputs: readonly PutHubEventInput[]): Promise<HubEvent[]> {
    const rows = await putMany(this.ctx, tenantId, inputs);
    // The event content is the caller's (just serialized): no need to parse it back.
    return rows.map((row, i) => toHubEvent(row, (inputs[i] as PutHubEventInput).event));
  }

  async delete(tenantId: string, id: string, opts: { source: ChangeSource; expectedVersion?: number }): Promise<HubEvent> {
    return this.ctx.atomic(async () => {
      const current = await this.row(tenantId, id);
      if (!current) throw new NotFoundError('hub event', id);
      if (current.deleted_at !== null) return toHubEvent(current);
      if (opts.expectedVersion !== undefined && opts.expectedVersion !== current.version) {
        throw new StoreConflictError(`hub event ${id} is at version ${current.version}, expected ${opts.expectedVersion}`, {
          id,
          expected: opts.expectedVersion,
          actual: current.version,
        });
      }
      const row = await writeChange(this.ctx, current, {
        eventJson: current.event,
        uid: current.uid,
        deletedAt: nowIso(this.ctx),
        action: 'delete',
        source: opts.source,
      });
      return toHubEvent(row);
    });
  }

  /**
   * Without `auditId`: undeletes a tombstone with its last content (a live event is returned unchanged).
   * With `auditId`: rolls the event back to that entry's `after` (its `before` for a delete entry).
   */
  async restore(tenantId: string, id: string, opts: { auditId?: string; source: ChangeSource }): Promise<HubEvent> {
    return this.ctx.atomic(async () => {
      const current = await this.row(tenantId, id);
      if (!current) throw new NotFoundError('hub event', id);
      let eventJson = current.event;
      let uid = current.uid;
      if (opts.auditId !== undefined) {
        const entry = await this.ctx
          .db()
          .selectFrom('audit')
          .selectAll()
          .where('tenant_id', '=', tenantId)
          .where('hub_event_id', '=', id)
          .where('id', '=', opts.auditId)
          .executeTakeFirst();
        const content = entry && (entry.after ?? entry.before);
        if (!entry || content === null || content === undefined) throw new NotFoundError('audit entry', opts.auditId);
        eventJson = content;
        uid = fromJson<CalendarEvent>(content, 'audit.after').uid;
      } else if (current.deleted_at === null) {
        return toHubEvent(current);
      }
      const row = await writeChange(this.ctx, current, { eventJson, uid, deletedAt: null, action: 'restore', source: opts.source });
      return toHubEvent(row);
    });
  }

  async history(tenantId: string, id: string): Promise<AuditEntry[]> {
    const rows = await this.ctx
      .db()
      .selectFrom('audit')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('hub_event_id', '=', id)
      .orderBy('seq')
      .execute();
    return rows.map(toAuditEntry);
  }
}
