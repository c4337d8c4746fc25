/**
 * `conflict.opened` and `conflict.resolved`: the tenant's open conflicts are compared with the ones last
 * announced (`calsync_conflict_watch`). A conflict open now and not announced is opened; one announced
 * and no longer open is resolved (with its resolution). Run after every sync (conflicts are recorded
 * by syncs, and a resolution is followed by the calendars' syncs), so at most one sync late.
 * The watch row is written after the notification is enqueued: a crash in between announces again
 * (at least once; the payload carries the conflict id to deduplicate on).
 */
import type { ConflictRecord, Store } from '../../store/types.js';
import { CONFLICT_WATCH_TABLE, type NotificationEndpoints } from './endpoints.js';
import { notify, type NotifierDeps } from './notifier.js';

function summary(c: ConflictRecord) {
  return {
    conflictId: c.id,
    calendarId: c.calendarId,
    eventId: c.hubEventId,
    type: c.type,
    fields: c.fields,
    createdAt: c.createdAt,
    ...(c.resolution ? { resolution: c.resolution } : {}),
    ...(c.resolvedAt ? { resolvedAt: c.resolvedAt } : {}),
  };
}

/** Sends what changed since the last scan; returns how many notifications (per type, not per endpoint). */
export async function notifyConflictChanges(deps: NotifierDeps & { store: Store; endpoints: NotificationEndpoints }, tenantId: string): Promise<number> {
  const db = deps.endpoints.db;
  const open = await deps.store.conflicts.list(tenantId, { status: 'open' });
  const known = new Set((await db.selectFrom(CONFLICT_WATCH_TABLE).select('conflict_id').where('tenant_id', '=', tenantId).execute()).map((r) => r.conflict_id));
  const openIds = new Set(open.map((c) => c.id));
  let sent = 0;
  for (const conflict of open) {
    if (known.has(conflict.id)) continue;
    await notify(deps, tenantId, 'conflict.opened', summary(conflict));
    await db.insertInto(CONFLICT_WATCH_TABLE).values({ tenant_id: tenantId, conflict_id: conflict.id }).onConflict((oc) => oc.columns(['tenant_id', 'conflict_id']).doNothing()).execute();
    sent += 1;
  }
  for (const id of known) {
    if (openIds.has(id)) continue;
    const record = await deps.store.conflicts.get(tenantId, id);
    // A conflict gone with its event or calendar was never resolved by anyone: only forgotten.
    if (record?.status === 'resolved') {
      await notify(deps, tenantId, 'conflict.resolved', summary(record));
      sent += 1;
    }
    await db.deleteFrom(CONFLICT_WATCH_TABLE).where('tenant_id', '=', tenantId).where('conflict_id', '=', id).execute();
  }
  return sent;
}
