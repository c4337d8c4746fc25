/** Row ⇄ model mapping for hub events and their audit entries. */
import type { Selectable } from 'kysely';
import type { CalendarEvent, HubEvent } from '../../model/event.js';
import { fromJson, fromJsonOpt, opt } from '../json.js';
import type { AuditTable, HubEventsTable } from '../schema.js';
import { toNumber } from '../schema.js';
import type { AuditEntry, ChangeSource } from '../types.js';

export type HubEventRow = Selectable<HubEventsTable>;
export type AuditRow = Selectable<AuditTable>;

/** `event` supplies the content when the caller already has it (a row just written), saving a parse. */
export function toHubEvent(row: HubEventRow, event?: CalendarEvent): HubEvent {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    event: event ?? fromJson<CalendarEvent>(row.event, 'hub_events.event'),
    version: row.version,
    seq: toNumber(row.seq),
    ...opt('deletedAt', row.deleted_at),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toAuditEntry(row: AuditRow): AuditEntry {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    hubEventId: row.hub_event_id,
    source: row.source as ChangeSource,
    action: row.action as AuditEntry['action'],
    ...opt('before', fromJsonOpt<CalendarEvent>(row.before, 'audit.before')),
    ...opt('after', fromJsonOpt<CalendarEvent>(row.after, 'audit.after')),
    at: row.at,
  };
}
