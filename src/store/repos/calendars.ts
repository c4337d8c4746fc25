import type { Selectable, Updateable } from 'kysely';
import { NotFoundError } from '../../errors.js';
import { newId } from '../../util/ids.js';
import type { RepoContext } from '../context.js';
import { nowIso } from '../context.js';
import { fromJsonOpt, opt, toJson } from '../json.js';
import type { CalendarsTable } from '../schema.js';
import { POLL_NOW } from '../schema.js';
import type { CalendarRecord, CalendarRepo, ConflictRules, SyncDirection } from '../types.js';

type Row = Selectable<CalendarsTable>;

export function toCalendar(row: Row): CalendarRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    integrationId: row.integration_id,
    remoteId: row.remote_id,
    name: row.name,
    ...opt('color', row.color),
    enabled: row.enabled !== 0,
    direction: row.direction as SyncDirection,
    ...opt('conflictRules', fromJsonOpt<ConflictRules>(row.conflict_rules, 'calendars.conflict_rules')),
    ...opt('pollIntervalS', row.poll_interval_s),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export class SqlCalendarRepo implements CalendarRepo {
  constructor(private readonly ctx: RepoContext) {}

  async upsert(
    tenantId: string,
    integrationId: string,
    input: { remoteId: string; name: string; color?: string; enabled?: boolean },
  ): Promise<CalendarRecord> {
    const now = nowIso(this.ctx);
    const row = await this.ctx
      .db()
      .insertInto('calendars')
      .values({
        id: newId(this.ctx.clock),
        tenant_id: tenantId,
        integration_id: integrationId,
        remote_id: input.remoteId,
        name: input.name,
        color: input.color ?? null,
        enabled: input.enabled === false ? 0 : 1,
        direction: 'two_way',
        conflict_rules: null,
        poll_interval_s: null,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) =>
        oc
          .columns(['tenant_id', 'integration_id', 'remote_id'])
          // Discovery refreshes what the provider owns (name, colour); the user's choices stay.
          .doUpdateSet((eb) => ({
            name: eb.ref('excluded.name'),
            ...(input.color === undefined ? {} : { color: eb.ref('excluded.color') }),
            updated_at: eb.ref('excluded.updated_at'),
          }))
          // Belt and braces: the conflict key already includes the tenant, so a row of another tenant never matches.
          .where('calendars.tenant_id', '=', tenantId),
      )
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new NotFoundError('integration', integrationId);
    return toCalendar(row);
  }

  async get(tenantId: string, id: string): Promise<CalendarRecord | undefined> {
    const row = await this.ctx.db().selectFrom('calendars').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return row && toCalendar(row);
  }

  async list(tenantId: string, integrationId?: string): Promise<CalendarRecord[]> {
    let query = this.ctx.db().selectFrom('calendars').selectAll().where('tenant_id', '=', tenantId);
    if (integrationId !== undefined) query = query.where('integration_id', '=', integrationId);
    const rows = await query.orderBy('created_at').orderBy('id').execute();
    return rows.map(toCalendar);
  }

  async update(
    tenantId: string,
    id: string,
    patch: Partial<Pick<CalendarRecord, 'name' | 'color' | 'enabled' | 'direction' | 'conflictRules' | 'pollIntervalS'>>,
  ): Promise<CalendarRecord> {
    const set: Updateable<CalendarsTable> = { updated_at: nowIso(this.ctx) };
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.enabled !== undefined) set.enabled = patch.enabled ? 1 : 0;
    if (patch.direction !== undefined) set.direction = patch.direction;
    // Optional settings: a key present with `undefined` clears the setting.
    if ('color' in patch) set.color = patch.color ?? null;
    if ('conflictRules' in patch) set.conflict_rules = patch.conflictRules === undefined ? null : toJson(patch.conflictRules);
    if ('pollIntervalS' in patch) set.poll_interval_s = patch.pollIntervalS ?? null;
    // A new interval or a calendar switched on may be due sooner than scheduled: the poller recomputes it.
    if ('pollIntervalS' in patch || patch.enabled !== undefined) set.next_poll_at = POLL_NOW;
    const row = await this.ctx.db().updateTable('calendars').set(set).where('tenant_id', '=', tenantId).where('id', '=', id).returningAll().executeTakeFirst();
    if (!row) throw new NotFoundError('calendar', id);
    return toCalendar(row);
  }
}
