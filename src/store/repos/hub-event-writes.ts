/**
 * Hub-event writes: every change bumps the event's version, takes the next tenant seq and appends an
 * audit entry, in one transaction. `putMany` plans all rows in memory first and then writes them with
 * multi-row INSERTs (new events, audit) — the initial-import fast path — while updates of existing rows
 * stay one compare-and-set UPDATE each (`WHERE version = <the version we read>`), so a concurrent
 * writer is detected even under PostgreSQL's READ COMMITTED.
 */
import { StoreConflictError } from '../../errors.js';
import { newId } from '../../util/ids.js';
import type { RepoContext } from '../context.js';
import { bulkInsert } from '../bulk-insert.js';
import { chunks, IN_LIST_CHUNK, nowIso } from '../context.js';
import { toJson } from '../json.js';
import type { AuditTable } from '../schema.js';
import type { PutHubEventInput } from '../types.js';
import type { HubEventRow } from './hub-event-rows.js';
import { reserveSeqs } from './tenants.js';

const EVENT_COLUMNS = ['id', 'tenant_id', 'uid', 'event', 'version', 'seq', 'deleted_at', 'created_at', 'updated_at'] as const;
const AUDIT_COLUMNS = ['id', 'tenant_id', 'hub_event_id', 'seq', 'source', 'action', 'before', 'after', 'at', 'version'] as const;

/** A row's state in the plan: `readVersion` is what the database holds now (undefined = not there yet). */
interface Planned {
  row: HubEventRow;
  readVersion: number | undefined;
}

async function loadRows(ctx: RepoContext, tenantId: string, ids: readonly string[]): Promise<Map<string, HubEventRow>> {
  const found = new Map<string, HubEventRow>();
  for (const part of chunks([...new Set(ids)], IN_LIST_CHUNK)) {
    const rows = await ctx.db().selectFrom('hub_events').selectAll().where('tenant_id', '=', tenantId).where('id', 'in', part).execute();
    for (const row of rows) found.set(row.id, row);
  }
  return found;
}

export async function putMany(ctx: RepoContext, tenantId: string, inputs: readonly PutHubEventInput[]): Promise<HubEventRow[]> {
  if (inputs.length === 0) return [];
  return ctx.atomic(async () => {
    // Seqs first: this also locks the tenant row (serializing writers of one tenant) and rejects an unknown tenant.
    const firstSeq = await reserveSeqs(ctx, tenantId, inputs.length);
    ctx.hubWritten(tenantId);
    const existing = await loadRows(ctx, tenantId, inputs.flatMap((i) => (i.id === undefined ? [] : [i.id])));
    const now = nowIso(ctx);
    const plan = new Map<string, Planned>();
    const audits: AuditTable[] = [];
    const results: HubEventRow[] = [];

    inputs.forEach((input, index) => {
      const seq = firstSeq + index;
      const id = input.id ?? newId(ctx.clock);
      const loaded = existing.get(id);
      const prior = plan.get(id) ?? (loaded && { row: loaded, readVersion: loaded.version });
      const currentVersion = prior?.row.version ?? 0;
      // expectedVersion 0 means "must not exist yet".
      if (input.expectedVersion !== undefined && input.expectedVersion !== currentVersion) {
        throw new StoreConflictError(`hub event ${id} is at version ${currentVersion}, expected ${input.expectedVersion}`, {
          id,
          expected: input.expectedVersion,
          actual: currentVersion,
        });
      }
      const eventJson = input.canonical?.text ?? toJson(input.event);
      const row: HubEventRow = {
        id,
        tenant_id: tenantId,
        uid: input.event.uid,
        event: eventJson,
        version: currentVersion + 1,
        seq,
        deleted_at: null,
        created_at: prior?.row.created_at ?? now,
        updated_at: now,
      };
      plan.set(id, { row, readVersion: prior?.readVersion });
      audits.push({
        id: newId(ctx.clock),
        tenant_id: tenantId,
        hub_event_id: id,
        seq,
        source: input.source,
        action: prior ? 'update' : 'create',
        before: prior ? prior.row.event : null,
        after: eventJson,
        at: now,
        version: row.version,
      });
      results.push(row);
    });

    const inserts = [...plan.values()].filter((p) => p.readVersion === undefined).map((p) => p.row);
    await bulkInsert(ctx.db(), ctx.dialect, 'hub_events', EVENT_COLUMNS, inserts);
    for (const p of plan.values()) {
      if (p.readVersion !== undefined) await compareAndSetRow(ctx, p.row, p.readVersion);
    }
    await bulkInsert(ctx.db(), ctx.dialect, 'audit', AUDIT_COLUMNS, audits);
    return results;
  });
}

/** Writes `row` over the stored row only if the stored version is still `readVersion`. */
export async function compareAndSetRow(ctx: RepoContext, row: HubEventRow, readVersion: number): Promise<void> {
  const result = await ctx
    .db()
    .updateTable('hub_events')
    .set({ uid: row.uid, event: row.event, version: row.version, seq: row.seq, deleted_at: row.deleted_at, updated_at: row.updated_at })
    .where('tenant_id', '=', row.tenant_id)
    .where('id', '=', row.id)
    .where('version', '=', readVersion)
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) {
    throw new StoreConflictError(`hub event ${row.id} changed concurrently (was version ${readVersion})`, { id: row.id, expected: readVersion });
  }
}

/** One audited change of an existing row (delete, restore): new seq, version + 1, audit entry. */
export async function writeChange(
  ctx: RepoContext,
  current: HubEventRow,
  change: { eventJson: string; uid: string; deletedAt: string | null; action: 'delete' | 'restore'; source: string },
): Promise<HubEventRow> {
  const seq = await reserveSeqs(ctx, current.tenant_id, 1);
  ctx.hubWritten(current.tenant_id);
  const now = nowIso(ctx);
  const row: HubEventRow = {
    ...current,
    uid: change.uid,
    event: change.eventJson,
    version: current.version + 1,
    seq,
    deleted_at: change.deletedAt,
    updated_at: now,
  };
  await compareAndSetRow(ctx, row, current.version);
  await ctx
    .db()
    .insertInto('audit')
    .values({
      id: newId(ctx.clock),
      tenant_id: current.tenant_id,
      hub_event_id: current.id,
      seq,
      source: change.source,
      action: change.action,
      before: current.event,
      after: change.action === 'delete' ? null : change.eventJson,
      at: now,
      version: row.version,
    })
    .execute();
  return row;
}
