/**
 * Settling a conflict the planner found: by a user's resolution (`ctx.forced`), by a configured rule,
 * or not at all — then it is recorded and neither side is written until someone resolves it.
 * An automatic or forced settlement is recorded too — opened before its writes and closed after them —
 * so every conflict leaves a trace, even when the process dies in between.
 */
import type { CalendarEvent } from '../model/event.js';
import { isWeddingCritical } from '../model/priority.js';
import type { ConflictRecord, ConflictRule, ConflictType } from '../store/types.js';
import type { ConflictDraft, Resolution, SyncAction } from './actions.js';
import { changedFields, type MergeField } from './fields.js';
import { applyChoices, isUnionField, type MergeResult, type Side } from './merge.js';
import type { ItemInput, PlanContext } from './plan.js';
import { DELETED_FIELD, decideRule } from './rules.js';

type Choice = Side | 'union';

function isCritical(input: ItemInput): boolean {
  return [input.hub?.event, input.link?.base].some((e) => e !== undefined && isWeddingCritical(e));
}

/** Whether the hub's version is the newer (ties go to the hub: it is the system of record). */
function hubIsNewer(input: ItemInput): boolean {
  const remoteModified = input.remote?.event.lastModified;
  return remoteModified === undefined || (input.hub?.updatedAt ?? '') >= remoteModified;
}

function choiceForRule(rule: ConflictRule, field: MergeField, input: ItemInput): Choice {
  switch (rule) {
    case 'provider_wins':
      return 'remote';
    case 'wedsync_wins':
      return 'hub';
    case 'merge':
      if (isUnionField(field)) return 'union';
      return hubIsNewer(input) ? 'hub' : 'remote';
    case 'newest_wins':
    case 'manual': // never reaches here: `decideRule` turns manual into a recorded conflict
      return hubIsNewer(input) ? 'hub' : 'remote';
  }
}

function choiceForced(forced: Resolution, field: MergeField): Choice {
  switch (forced.take) {
    case 'wedsync':
      return 'hub';
    case 'provider':
      return 'remote';
    case 'merge':
      return isUnionField(field) ? 'union' : 'hub';
    case 'fields':
      return forced.fields?.[field] === 'provider' ? 'remote' : 'hub';
  }
}

function resolutionOf(choices: Map<MergeField, Choice>, by: string): Resolution {
  const values = [...choices.values()];
  if (values.every((c) => c === 'hub')) return { take: 'wedsync', by };
  if (values.every((c) => c === 'remote')) return { take: 'provider', by };
  if (values.includes('union')) return { take: 'merge', by };
  const fields: Record<string, 'wedsync' | 'provider'> = {};
  for (const [f, c] of choices) fields[f] = c === 'remote' ? 'provider' : 'wedsync';
  return { take: 'fields', fields, by };
}

function draftOf(input: ItemInput, ctx: PlanContext, type: ConflictType, fields: string[], hub?: CalendarEvent, remote?: CalendarEvent): ConflictDraft {
  return {
    calendarId: ctx.calendarId,
    hubEventId: input.hub?.id ?? '',
    ...(input.link ? { linkId: input.link.id, base: input.link.base } : input.sent ? { base: input.sent } : {}),
    type,
    fields,
    ...(hub ? { hub } : {}),
    ...(remote ? { remote } : {}),
    ...(input.remote ? { remoteEtag: input.remote.etag } : {}),
  };
}

/**
 * A user's choice answers the conflict they were shown. When the item, read again, raises another kind
 * (one side deleted the event after a field conflict was recorded), the choice does not carry over: a
 * "merge" of two edits is no answer to a deletion. The item is settled as a sync would (rules, else the
 * open conflict is recorded again as the new kind, same id, for the user to answer).
 */
function forcedFor(input: ItemInput, ctx: PlanContext, type: ConflictType): Resolution | undefined {
  return ctx.forced && (!input.conflict || input.conflict.type === type) ? ctx.forced : undefined;
}

/**
 * A settled conflict: recorded first (unless already open), then the writes, then closed. Recording
 * before writing means a crash in between leaves an open conflict behind — never a silent overwrite.
 */
function settled(input: ItemInput, draft: ConflictDraft, resolution: Resolution, writes: SyncAction[]): SyncAction[] {
  // An open conflict of another kind (a field conflict the item has outgrown), or one whose versions
  // moved since it was recorded (the planner edited the event while it waited), is recorded again as
  // this one, in place (same id): what is closed is what was decided, not a version nobody settled.
  const record: SyncAction[] = input.conflict && unchangedConflict(input.conflict, draft) ? [] : [{ type: 'recordConflict', conflict: draft, reason: `settled: ${resolution.take} by ${resolution.by}` }];
  const close: SyncAction = { type: 'closeConflict', conflict: draft, ...(input.conflict ? { existingId: input.conflict.id } : {}), resolution };
  return [...record, ...writes, close];
}

/** Whether an open conflict still shows the versions a new draft of it would record. */
export function unchangedConflict(open: ConflictRecord, next: ConflictDraft): boolean {
  const same = (a?: CalendarEvent, b?: CalendarEvent): boolean => (a && b ? changedFields(a, b).length === 0 : a === b);
  return open.type === next.type && open.remoteEtag === next.remoteEtag && same(open.hub, next.hub) && same(open.remote, next.remote);
}

/** A field conflict (hub and calendar both live). `write` turns the settled event into actions. */
export function settleFields(input: ItemInput, ctx: PlanContext, result: MergeResult, write: (event: CalendarEvent) => SyncAction[]): SyncAction[] {
  const hub = input.hub?.event;
  const remote = input.remote?.event;
  if (!hub || !remote) throw new Error('settleFields needs both sides');
  const draft = draftOf(input, ctx, 'field', [...result.conflicts], hub, remote);
  const choices = new Map<MergeField, Choice>();
  const forced = forcedFor(input, ctx, 'field');
  let by: string;
  if (forced) {
    for (const f of result.conflicts) choices.set(f, choiceForced(forced, f));
    by = forced.by;
  } else {
    const decision = decideRule(ctx.rules, 'field', result.conflicts, isCritical(input));
    if (decision.kind === 'manual') return [{ type: 'recordConflict', conflict: draft, reason: decision.reason }];
    for (const f of result.conflicts) choices.set(f, choiceForRule(decision.byField.get(f) ?? 'manual', f, input));
    by = `rule:${[...new Set(decision.byField.values())].join('+')}`;
  }
  const event = applyChoices(result, hub, remote, Object.fromEntries(choices));
  const resolution = forced ?? resolutionOf(choices, by);
  return settled(input, draft, resolution, write(event));
}

export interface DeletionOutcomes {
  keepDeletion: () => SyncAction[];
  keepEvent: () => SyncAction[];
}

/**
 * A deletion on one side against the other side's version. `wedding_critical` (a calendar deleting an
 * untouched high-priority event) is a conflict only for high-priority events: `undefined` means no
 * conflict arises and the deletion simply propagates.
 */
export function settleDeletion(input: ItemInput, ctx: PlanContext, type: ConflictType, outcomes: DeletionOutcomes): SyncAction[] | undefined {
  const forced = forcedFor(input, ctx, type);
  const critical = isCritical(input);
  if (type === 'wedding_critical' && !critical) return undefined;
  const hubDeleted = type === 'delete_edit';
  // The surviving side's version is the one recorded: the hub's edit, or the calendar's.
  const draft = draftOf(input, ctx, type, [DELETED_FIELD], hubDeleted ? undefined : input.hub?.event, hubDeleted ? input.remote?.event : undefined);
  // Which side deleted decides what "the provider wins" means.
  const providerDeleted = !hubDeleted;
  let keepDeletion: boolean;
  let resolution: Resolution;
  if (forced) {
    keepDeletion = forced.take === 'provider' ? providerDeleted : forced.take === 'wedsync' ? !providerDeleted : false;
    resolution = forced;
  } else {
    const decision = decideRule(ctx.rules, type, [DELETED_FIELD], critical);
    if (decision.kind === 'manual') return [{ type: 'recordConflict', conflict: draft, reason: decision.reason }];
    const rule = decision.byField.get(DELETED_FIELD) ?? 'manual';
    // newest_wins and merge keep the edit: a deletion has no time to compare, and keeping data is safe.
    keepDeletion = rule === 'provider_wins' ? providerDeleted : rule === 'wedsync_wins' ? !providerDeleted : false;
    resolution = { take: rule === 'provider_wins' ? 'provider' : rule === 'wedsync_wins' ? 'wedsync' : 'merge', by: `rule:${rule}` };
  }
  return settled(input, draft, resolution, keepDeletion ? outcomes.keepDeletion() : outcomes.keepEvent());
}
