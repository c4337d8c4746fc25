/**
 * Resolving a conflict as the service does it (API, dashboard, CLI): find the conflict's calendar and
 * its provider, apply the choice to both sides (`sync/resolve.ts`). The hub's new version reaches every
 * other calendar at once like any hub change: its write is an outbox record (`outbox/drainer.ts`).
 */
import { CalsyncError } from '../errors.js';
import type { ConflictRecord, Store } from '../store/types.js';
import { resolveConflict, type ConflictChoice } from '../sync/resolve.js';
import type { Clock } from '../util/clock.js';
import type { ProviderRegistry } from './providers.js';
import { propagationTargets } from './sync-jobs.js';

export interface ResolveDeps {
  store: Store;
  providers: Pick<ProviderRegistry, 'forIntegration'>;
  clock: Clock;
}

export interface ResolvedConflict {
  conflict: ConflictRecord;
  /** How many other calendars the hub's new version goes out to (through the outbox). */
  propagatedTo: number;
}

function notFound(what: string, id: string, hint: string): CalsyncError {
  return new CalsyncError('NOT_FOUND', `no ${what} ${id} (${hint})`, { details: { what, id } });
}

/** The conflict's fields a per-field choice may name; others are a clear 400, not a silent no-op. */
export function checkFieldChoice(conflict: ConflictRecord, choice: ConflictChoice): void {
  if (choice.take !== 'fields') return;
  const unknown = Object.keys(choice.fields).filter((f) => !conflict.fields.includes(f));
  if (unknown.length > 0) throw new CalsyncError('VALIDATION', `not in conflict: ${unknown.join(', ')} (conflicting fields: ${conflict.fields.join(', ')})`);
}

export async function resolveAndPropagate(deps: ResolveDeps, tenantId: string, conflictId: string, choice: ConflictChoice, by: string): Promise<ResolvedConflict> {
  const { store } = deps;
  const conflict = await store.conflicts.get(tenantId, conflictId);
  if (!conflict) throw notFound('conflict', conflictId, 'list them with: calsync conflicts, or GET /api/v1/conflicts');
  checkFieldChoice(conflict, choice);
  const calendar = await store.calendars.get(tenantId, conflict.calendarId);
  const integration = calendar ? await store.integrations.get(tenantId, calendar.integrationId) : undefined;
  if (!integration) throw notFound('calendar', conflict.calendarId, 'its integration was disconnected');
  const before = await store.events.get(tenantId, conflict.hubEventId, { includeDeleted: true });
  const provider = await deps.providers.forIntegration(integration);
  const resolved = await resolveConflict({ store, provider, clock: deps.clock }, tenantId, conflictId, choice, by);
  const after = await store.events.get(tenantId, conflict.hubEventId, { includeDeleted: true });
  const hubChanged = after !== undefined && after.version !== before?.version;
  const propagatedTo = hubChanged ? (await propagationTargets(store, tenantId, [conflict.calendarId])).length : 0;
  return { conflict: resolved, propagatedTo };
}
