/**
 * Due-time polling on the store: `calendars.next_poll_at` (epoch ms, indexed; migration 008). A tick
 * reads the calendars that are due through the index — its cost follows the due calendars, never the
 * table — and claims them with one write statement that moves them out of reach of other claimers:
 * PostgreSQL skips rows another claimer has locked (FOR UPDATE SKIP LOCKED) and re-checks the time on
 * the row it locks; SQLite runs the statement under its single write lock. Spans tenants by design.
 */
import { sql } from 'kysely';
import type { RepoContext } from '../context.js';
import { chunks, IN_LIST_CHUNK } from '../context.js';
import { batchQuery } from '../batch-query.js';
import { fromJson, fromJsonOpt, opt } from '../json.js';
import { POLL_NOW, toNumber } from '../schema.js';
import type { IntegrationStatus, PollCandidate, PollClaim, PollScheduleRepo, PollTime, ProviderKind } from '../types.js';
import { toCalendar } from './calendars.js';

/** Rows per reschedule statement (PostgreSQL binds two arrays, SQLite loops a prepared statement). */
const RESCHEDULE_CHUNK = 1_000;

export class SqlPollScheduleRepo implements PollScheduleRepo {
  constructor(private readonly ctx: RepoContext) {}

  async claimDue(now: number, limit: number, until: number): Promise<PollClaim[]> {
    if (limit <= 0) return [];
    if (this.ctx.dialect === 'postgres') {
      // The due rows are picked and locked once, in a CTE (a row-locking CTE is materialized: an
      // `IN (subquery … FOR UPDATE)` may be planned as a subplan run again per candidate row, which
      // made one claim over 50,000 due calendars take minutes). Rows another claimer holds are skipped;
      // FOR UPDATE re-checks the time on the latest version of a row it locks.
      const result = await sql<{ id: string; tenant_id: string }>`
        with due as materialized (
          select id from calendars where next_poll_at <= ${now} order by next_poll_at limit ${limit} for update skip locked
        )
        update calendars as c set next_poll_at = ${until} from due where c.id = due.id
        returning c.id, c.tenant_id`.execute(this.ctx.db());
      return result.rows.map((r) => ({ tenantId: r.tenant_id, calendarId: r.id }));
    }
    const db = this.ctx.db();
    // SQLite: one statement under the database's single write lock.
    const due = db.selectFrom('calendars').select('id').where('next_poll_at', '<=', now).orderBy('next_poll_at').limit(limit);
    const rows = await db.updateTable('calendars').set({ next_poll_at: until }).where('id', 'in', due).returning(['id', 'tenant_id']).execute();
    return rows.map((r) => ({ tenantId: r.tenant_id, calendarId: r.id }));
  }

  async candidates(calendarIds: readonly string[]): Promise<PollCandidate[]> {
    const out: PollCandidate[] = [];
    for (const ids of chunks(calendarIds, IN_LIST_CHUNK)) {
      const rows = await this.ctx
        .db()
        .selectFrom('calendars')
        .leftJoin('integrations', (j) => j.onRef('integrations.tenant_id', '=', 'calendars.tenant_id').onRef('integrations.id', '=', 'calendars.integration_id'))
        .leftJoin('sync_state', 'sync_state.calendar_id', 'calendars.id')
        .selectAll('calendars')
        .select([
          'integrations.provider as i_provider',
          'integrations.config as i_config',
          'integrations.status as i_status',
          'sync_state.last_sync_at as s_last_sync_at',
          'sync_state.push as s_push',
        ])
        .where('calendars.id', 'in', ids)
        .execute();
      for (const row of rows) {
        out.push({
          calendar: toCalendar(row),
          ...(row.i_provider === null || row.i_config === null || row.i_status === null
            ? {}
            : {
                integration: {
                  id: row.integration_id,
                  provider: row.i_provider as ProviderKind,
                  config: fromJson<Record<string, unknown>>(row.i_config, 'integrations.config'),
                  status: row.i_status as IntegrationStatus,
                },
              }),
          ...opt('lastSyncAt', row.s_last_sync_at),
          ...opt('push', fromJsonOpt<Record<string, unknown>>(row.s_push, 'sync_state.push')),
        });
      }
    }
    return out;
  }

  async reschedule(times: readonly PollTime[]): Promise<void> {
    for (const part of chunks(times, RESCHEDULE_CHUNK)) {
      if (this.ctx.dialect === 'postgres') {
        const ids = part.map((t) => t.calendarId);
        const ats = part.map((t) => Math.ceil(t.at));
        await sql`update calendars as c set next_poll_at = v.at from unnest(${ids}::text[], ${ats}::bigint[]) as v(id, at) where c.id = v.id`.execute(this.ctx.db());
      } else {
        // One prepared statement run per row, in one transaction (see batch-query.ts).
        await this.ctx.atomic(() =>
          this.ctx.db().executeQuery(
            batchQuery(
              'update "calendars" set "next_poll_at" = ? where "id" = ?',
              part.map((t) => [Math.ceil(t.at), t.calendarId]),
            ),
          ),
        );
      }
    }
  }

  async nextDueAt(before?: number): Promise<number | undefined> {
    let q = this.ctx.db().selectFrom('calendars').select('next_poll_at').orderBy('next_poll_at').limit(1);
    if (before !== undefined) q = q.where('next_poll_at', '<', before);
    const row = await q.executeTakeFirst();
    return row === undefined ? undefined : toNumber(row.next_poll_at);
  }

  async releaseAt(at: number): Promise<number> {
    const result = await this.ctx.db().updateTable('calendars').set({ next_poll_at: POLL_NOW }).where('next_poll_at', '=', at).executeTakeFirst();
    return Number(result.numUpdatedRows);
  }
}
