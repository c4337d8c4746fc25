import type { Selectable } from 'kysely';
import type { CalendarEvent } from '../../model/event.js';
import { NotFoundError, StoreConflictError } from '../../errors.js';
import { newId } from '../../util/ids.js';
import type { RepoContext } from '../context.js';
import { nowIso } from '../context.js';
import { fromJson, fromJsonOpt, opt, toJson } from '../json.js';
import type { ConflictsTable } from '../schema.js';
import type { ConflictRecord, ConflictRepo, ConflictStatus, ConflictType } from '../types.js';

type Row = Selectable<ConflictsTable>;
export type NewConflict = Omit<ConflictRecord, 'id' | 'tenantId' | 'status' | 'createdAt' | 'resolvedAt' | 'resolution'>;
type Resolution = NonNullable<ConflictRecord['resolution']>;

function toConflict(row: Row): ConflictRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    calendarId: row.calendar_id,
    hubEventId: row.hub_event_id,
    ...opt('linkId', row.link_id),
    type: row.type as ConflictType,
    fields: fromJson<string[]>(row.fields, 'conflicts.fields'),
    ...opt('base', fromJsonOpt<CalendarEvent>(row.base, 'conflicts.base')),
    ...opt('hub', fromJsonOpt<CalendarEvent>(row.hub, 'conflicts.hub')),
    ...opt('remote', fromJsonOpt<CalendarEvent>(row.remote, 'conflicts.remote')),
    ...opt('remoteEtag', row.remote_etag),
    status: row.status as ConflictStatus,
    ...opt('resolution', fromJsonOpt<Resolution>(row.resolution, 'conflicts.resolution')),
    createdAt: row.created_at,
    ...opt('resolvedAt', row.resolved_at),
  };
}

function json(value: unknown): string | null {
  return value === undefined ? null : toJson(value);
}

export class SqlConflictRepo implements ConflictRepo {
  constructor(private readonly ctx: RepoContext) {}

  /** Replaces the open conflict of the same (calendar, hub event) in place (same id), else inserts. */
  async record(tenantId: string, input: NewConflict): Promise<ConflictRecord> {
    return this.ctx.atomic(async () => {
      const content = {
        link_id: input.linkId ?? null,
        type: input.type,
        fields: toJson(input.fields),
        base: json(input.base),
        hub: json(input.hub),
        remote: json(input.remote),
        remote_etag: input.remoteEtag ?? null,
        created_at: nowIso(this.ctx),
      };
      const existing = await this.openFor(tenantId, input.calendarId, input.hubEventId);
      if (existing) {
        const row = await this.ctx
          .db()
          .updateTable('conflicts')
          .set(content)
          .where('tenant_id', '=', tenantId)
          .where('id', '=', existing.id)
          .where('status', '=', 'open')
          .returningAll()
          .executeTakeFirst();
        if (!row) throw new StoreConflictError(`conflict ${existing.id} was resolved concurrently`, { id: existing.id });
        return toConflict(row);
      }
      const row: Row = {
        id: newId(this.ctx.clock),
        tenant_id: tenantId,
        calendar_id: input.calendarId,
        hub_event_id: input.hubEventId,
        status: 'open',
        resolution: null,
        resolved_at: null,
        ...content,
      };
      // The partial unique index (one open conflict per pair) turns a concurrent duplicate into StoreConflictError.
      await this.ctx.db().insertInto('conflicts').values(row).execute();
      return toConflict(row);
    });
  }

  async get(tenantId: string, id: string): Promise<ConflictRecord | undefined> {
    const row = await this.ctx.db().selectFrom('conflicts').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return row && toConflict(row);
  }

  async list(tenantId: string, opts?: { status?: ConflictStatus; calendarId?: string }): Promise<ConflictRecord[]> {
    let query = this.ctx.db().selectFrom('conflicts').selectAll().where('tenant_id', '=', tenantId);
    if (opts?.status !== undefined) query = query.where('status', '=', opts.status);
    if (opts?.calendarId !== undefined) query = query.where('calendar_id', '=', opts.calendarId);
    const rows = await query.orderBy('created_at').orderBy('id').execute();
    return rows.map(toConflict);
  }

  async openFor(tenantId: string, calendarId: string, hubEventId: string): Promise<ConflictRecord | undefined> {
    const row = await this.ctx
      .db()
      .selectFrom('conflicts')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('calendar_id', '=', calendarId)
      .where('hub_event_id', '=', hubEventId)
      .where('status', '=', 'open')
      .executeTakeFirst();
    return row && toConflict(row);
  }

  /** Compare-and-set on `status = open`: resolving twice (two users, two tabs) fails the second time. */
  async resolve(tenantId: string, id: string, resolution: Resolution): Promise<ConflictRecord> {
    const row = await this.ctx
      .db()
      .updateTable('conflicts')
      .set({ status: 'resolved', resolution: toJson(resolution), resolved_at: nowIso(this.ctx) })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .where('status', '=', 'open')
      .returningAll()
      .executeTakeFirst();
    if (row) return toConflict(row);
    if (!(await this.get(tenantId, id))) throw new NotFoundError('conflict', id);
    throw new StoreConflictError(`conflict ${id} is already resolved`, { id });
  }
}
