/**
 * Resolving a conflict from the inbox (API, dashboard, `calsync resolve`): the user's choice is applied
 * to both sides — the item is read again as it is now, planned with the choice forced, and executed like
 * any sync item (If-Match writes, re-plan on 412). The conflict is closed only when both sides agree.
 */
import { CalsyncError, NotFoundError, ValidationError } from '../errors.js';
import type { ConflictRecord } from '../store/types.js';
import type { Resolution } from './actions.js';
import type { ApplyContext } from './apply.js';
import type { SyncDeps } from './engine.js';
import { execute } from './execute.js';
import { planItem, type ItemInput, type PlanContext } from './plan.js';
import { effectiveRules } from './rules.js';
import { intentsOf, rememberWrites } from './written.js';

export type ConflictChoice = { take: 'wedsync' | 'provider' | 'merge' } | { take: 'fields'; fields: Record<string, 'wedsync' | 'provider'> };

export async function resolveConflict(
  deps: Pick<SyncDeps, 'store' | 'provider' | 'clock'>,
  tenantId: string,
  conflictId: string,
  choice: ConflictChoice,
  by = 'user',
): Promise<ConflictRecord> {
  const { store, provider } = deps;
  const conflict = await store.conflicts.get(tenantId, conflictId);
  if (!conflict) throw new NotFoundError('conflict', conflictId);
  if (conflict.status !== 'open') throw new ValidationError(`conflict ${conflictId} is already resolved`, { conflictId });
  const calendar = await store.calendars.get(tenantId, conflict.calendarId);
  if (!calendar) throw new NotFoundError('calendar', conflict.calendarId);
  const integration = await store.integrations.get(tenantId, calendar.integrationId);
  if (!integration) throw new NotFoundError('integration', calendar.integrationId);

  const hub = await store.events.get(tenantId, conflict.hubEventId, { includeDeleted: true });
  const link = await store.links.getByHubEvent(tenantId, calendar.id, conflict.hubEventId);
  const uid = hub?.event.uid ?? conflict.remote?.uid ?? conflict.hub?.uid;
  const remote = link ? (await provider.fetch(calendar.remoteId, [link.remoteId]))[0] : uid === undefined ? undefined : await provider.findByUid(calendar.remoteId, uid);
  const input: ItemInput = { ...(hub ? { hub } : {}), ...(remote ? { remote } : {}), ...(link ? { link } : {}), conflict };

  const forced: Resolution = choice.take === 'fields' ? { take: 'fields', fields: choice.fields, by } : { take: choice.take, by };
  const ctx: PlanContext = { calendarId: calendar.id, direction: calendar.direction, rules: effectiveRules(integration.conflictRules, calendar.conflictRules), forced };
  const apply: ApplyContext = { store, provider, tenantId, calendarId: calendar.id, remoteCalendarId: calendar.remoteId, source: 'conflict' };
  const plan = [{ input, actions: planItem(input, ctx) }];
  const result = await execute(apply, plan, ctx);
  // A calendar write made here must be re-read by the next sync like a sync's own (see written.ts).
  await rememberWrites(store, tenantId, calendar.id, intentsOf(plan), result.applied);
  const first = result.errors[0];
  if (first) throw new CalsyncError(first.code === 'INTERNAL' ? 'STORE_FAILURE' : first.code, `resolving ${conflictId}: ${first.message}`, { details: { ...first } });
  const after = await store.conflicts.get(tenantId, conflictId);
  if (!after) throw new NotFoundError('conflict', conflictId);
  return after;
}
