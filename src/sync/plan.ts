/**
 * The planner: a pure function from one item's state — the hub event (live or a tombstone), the calendar's
 * item, the link with its base, an open conflict — to the actions that make both sides agree. No I/O:
 * everything it needs was gathered by `observe.ts`; everything it decides is carried out by
 * `execute.ts`. The whole decision is the truth table in `planLinked` / `planUnlinked`.
 */
import type { CalendarEvent, HubEvent } from '../model/event.js';
import type { RemoteItem } from '../providers/types.js';
import type { ConflictRecord, ConflictRules, Link, SyncDirection } from '../store/types.js';
import type { ConflictDraft, Resolution, SyncAction } from './actions.js';
import { changedFields, sameContent, sameField, withField } from './fields.js';
import { fromRemote, merge3 } from './merge.js';
import { DELETED_FIELD } from './rules.js';
import { settleDeletion, settleFields, unchangedConflict } from './settle.js';

export interface ItemInput {
  /** The hub event; `deletedAt` set: a tombstone. Absent: the hub never had it. */
  hub?: HubEvent;
  /** The calendar's current item. Absent: the calendar does not have it (removed, or not listed). */
  remote?: RemoteItem;
  link?: Link;
  /** The open conflict of this (calendar, hub event), if any. */
  conflict?: ConflictRecord;
  /**
   * No link, and `remote` is our own create of `hub` (it carries our hub id) whose link save never
   * happened: what that create sent (sent.ts). The base the two sides are merged against.
   */
  sent?: HubEvent['event'];
  /**
   * No link and no calendar item, and an earlier create of ours may have landed (its answer was lost:
   * `WrittenItem.unsure`). Either it never landed, or someone deleted it in the calendar before calsync
   * saw it; nothing the calendar shows tells the two apart.
   */
  createUnsure?: boolean;
}

export interface PlanContext {
  calendarId: string;
  direction: SyncDirection;
  rules: ConflictRules;
  /** A user's resolution of this item's conflict: applied instead of the rules. */
  forced?: Resolution;
}

export interface ItemPlan {
  input: ItemInput;
  actions: SyncAction[];
}

/** Pushes in a row, with nothing moving in between, after which the next one is refused as a loop. */
export const MAX_REPEATED_PUSHES = 2;

/**
 * Whether writing the hub's version to the calendar would repeat a push that changed nothing: the hub
 * is at the version our last push left it, the calendar's copy is the one that push left, and we pushed
 * this way `MAX_REPEATED_PUSHES` times already. Such a write would go on forever (the calendar cannot
 * hold what we send): it becomes a recorded conflict instead — surfaced, and no further writes.
 */
function repeatsPush(hub: HubEvent, remote: RemoteItem, link: Link | undefined): boolean {
  const last = link?.lastPush;
  return last !== undefined && last.hubVersion === hub.version && last.etag === remote.etag && last.count >= MAX_REPEATED_PUSHES;
}

function writeLoop(hub: HubEvent, remote: RemoteItem, link: Link, calendarId: string): SyncAction {
  const fields = changedFields(remote.event, hub.event);
  return {
    type: 'recordConflict',
    conflict: { calendarId, hubEventId: hub.id, linkId: link.id, type: 'field', fields, base: link.base, hub: hub.event, remote: remote.event, remoteEtag: remote.etag },
    reason: `SYNC_WRITE_LOOP: pushed ${link.lastPush?.count ?? 0} times with neither side moving; the calendar does not keep [${fields.join(', ')}]`,
  };
}

/** Pairs of (hub, remote) that both sides already agree on need no action but a link refresh. */
function converge(hub: HubEvent, remote: RemoteItem, link: Link | undefined, event: HubEvent['event'], calendarId: string): SyncAction[] {
  const hubSame = hub.deletedAt === undefined && sameContent(hub.event, event);
  const remoteSame = sameContent(remote.event, event);
  if (hubSame && remoteSame) {
    if (!link) return [{ type: 'link', hub, remote }];
    const moved = link.etag !== remote.etag || !sameContent(link.base, remote.event);
    return moved ? [{ type: 'refreshLink', link, remote, echo: sameContent(link.base, remote.event) }] : [];
  }
  if (!remoteSame && link && repeatsPush(hub, remote, link)) return [writeLoop(hub, remote, link, calendarId)];
  if (hubSame) return [{ type: 'pushToRemote', hub, remote, ...(link ? { link } : {}), event }];
  if (remoteSame) return [{ type: 'pullToHub', hub, remote, ...(link ? { link } : {}), event }];
  return [{ type: 'mergeBoth', hub, remote, ...(link ? { link } : {}), event }];
}

/**
 * The link as planning must see it. A write intent still on the link means a write of ours may have
 * landed without its link save (a crash or a lost response between the two). A calendar copy that
 * differs from the base but equals the intended event is that write: the base becomes the calendar's
 * copy (as the lost save would have made it), so our own write is not read as the calendar's edit.
 */
export function effectiveLink(link: Link, remote: RemoteItem | undefined): Link {
  const intent = link.writeIntent;
  if (!intent || !remote || sameContent(remote.event, link.base)) return link;
  // A merge's calendar-side fields had not reached the hub when the write was made: they stay changes
  // for the hub (the base keeps the hub's value there), everything else is agreed.
  const hub = intent.hub;
  const hubSide = (b: CalendarEvent): CalendarEvent => (hub === undefined ? b : changedFields(intent.event, hub).reduce((x, f) => withField(x, f, hub), b));
  if (sameContent(remote.event, intent.event)) return { ...link, base: hubSide(remote.event) };
  // Someone edited the calendar's copy after our write landed: the fields where it is what we wrote
  // (and not the base) are our write; the others keep the base, so their edit stays the calendar's.
  const ours = changedFields(link.base, intent.event).filter((f) => sameField(f, remote.event, intent.event));
  if (ours.length === 0) return link;
  const written = ours.reduce((b, f) => withField(b, f, intent.event), link.base);
  return { ...link, base: hubSide(written) };
}

/** Re-creating the calendar's copy from the hub (export-only drift, an edit that beat a deletion). */
function recreate(hub: HubEvent, link: Link, reason: string): SyncAction[] {
  return [{ type: 'unlink', link, reason }, { type: 'createRemote', hub }];
}

function deleteRemote(hub: HubEvent, remote: RemoteItem, link: Link | undefined): SyncAction {
  return { type: 'deleteRemote', remote, ...(link ? { link } : {}), hubEventId: hub.id, title: hub.event.title };
}

/**
 * Item with a link. States: hub `live` (unchanged since the base) / `edited` / `gone` (tombstone);
 * calendar `same` / `edited` / `gone`. Direction: import-only calendars never receive hub edits or
 * deletions; export-only calendars are mirrors whose own edits and deletions are reverted.
 */
function planLinked(given: ItemInput & { link: Link }, ctx: PlanContext): SyncAction[] {
  const { remote } = given;
  const link = effectiveLink(given.link, remote);
  // Conflicts drafted below carry the base planning used.
  const input = link === given.link ? given : { ...given, link };
  const hub = input.hub;
  const base = link.base;
  const importOnly = ctx.direction === 'import_only';
  const exportOnly = ctx.direction === 'export_only';
  const hubState = !hub || hub.deletedAt !== undefined ? 'gone' : !importOnly && !sameContent(hub.event, base) ? 'edited' : 'live';
  const remoteState = !remote ? 'gone' : sameContent(remote.event, base) ? 'same' : 'edited';
  const state = `${hubState}/${remoteState}` as const;

  switch (state) {
    // Nothing changed on either side (a source calendar ignores hub edits); the calendar's etag may
    // have moved (our own write echoing back).
    case 'live/same':
      if (importOnly) return link.etag === remote!.etag ? [] : [{ type: 'refreshLink', link, remote: remote!, echo: true }];
      return converge(hub!, remote!, link, hub!.event, ctx.calendarId);

    // Only WedSync edited: push the hub's version.
    case 'edited/same':
      return converge(hub!, remote!, link, hub!.event, ctx.calendarId);

    // Only the calendar edited: take its version into the hub (a source calendar's version as it is,
    // a mirror reverts it instead).
    case 'live/edited': {
      if (exportOnly) return converge(hub!, remote!, link, hub!.event, ctx.calendarId);
      const event = importOnly ? fromRemote(remote!.event, hub!.event.wedding) : merge3(base, hub!.event, remote!.event).merged;
      return converge(hub!, remote!, link, event, ctx.calendarId);
    }

    // Both edited: different fields merge; the same field edited differently is a conflict.
    case 'edited/edited': {
      if (exportOnly) return converge(hub!, remote!, link, hub!.event, ctx.calendarId);
      const result = merge3(base, hub!.event, remote!.event);
      if (result.conflicts.length === 0) return converge(hub!, remote!, link, result.merged, ctx.calendarId);
      return settleFields(input, ctx, result, (event) => converge(hub!, remote!, link, event, ctx.calendarId));
    }

    // Deleted in the calendar, untouched in WedSync: delete in the hub, except that a mirror is
    // restored and a wedding-critical event is held by the guard.
    case 'live/gone': {
      if (exportOnly) return recreate(hub!, link, 'deleted in an export-only calendar');
      const deleteInHub: SyncAction[] = [{ type: 'deleteHub', hub: hub!, link }];
      return settleDeletion(input, ctx, 'wedding_critical', {
        keepDeletion: () => deleteInHub,
        keepEvent: () => recreate(hub!, link, 'deletion refused'),
      }) ?? deleteInHub;
    }

    // Edited in WedSync, deleted in the calendar: edit vs delete.
    case 'edited/gone':
      if (exportOnly) return recreate(hub!, link, 'deleted in an export-only calendar');
      return settleDeletion(input, ctx, 'edit_delete', {
        keepDeletion: () => [{ type: 'deleteHub', hub: hub!, link }],
        keepEvent: () => recreate(hub!, link, 'edit kept over deletion'),
      }) ?? [];

    // Deleted in WedSync, untouched in the calendar: delete there (an import-only calendar keeps it).
    case 'gone/same':
      if (importOnly || !hub) return importOnly ? [] : [{ type: 'unlink', link, reason: 'hub event missing' }];
      return [deleteRemote(hub, remote!, link)];

    // Deleted in WedSync, edited in the calendar: delete vs edit (a source calendar simply restores).
    case 'gone/edited': {
      if (!hub) return [{ type: 'unlink', link, reason: 'hub event missing' }];
      const restore = (): SyncAction[] => converge(hub, remote!, link, fromRemote(remote!.event, hub.event.wedding), ctx.calendarId);
      if (importOnly) return restore();
      if (exportOnly) return [deleteRemote(hub, remote!, link)];
      return settleDeletion(input, ctx, 'delete_edit', {
        keepDeletion: () => [deleteRemote(hub, remote!, link)],
        keepEvent: restore,
      }) ?? [];
    }

    // Gone on both sides: only the link is left.
    case 'gone/gone':
      return [{ type: 'unlink', link, reason: 'deleted on both sides' }];

    default: {
      const never: never = state;
      return never;
    }
  }
}

/**
 * Item without a link: first sync, a new event on one side, or a crash between a write and its link.
 * Observe has already matched calendar items to hub events (our hub id, UID, title + start).
 */
function planUnlinked(input: ItemInput, ctx: PlanContext): SyncAction[] {
  const { hub, remote } = input;
  const importOnly = ctx.direction === 'import_only';
  const exportOnly = ctx.direction === 'export_only';
  const live = hub && hub.deletedAt === undefined ? hub : undefined;

  // New in the calendar: import it (a mirror ignores foreign items).
  if (!hub && remote) return exportOnly ? [] : [{ type: 'createHub', remote, event: fromRemote(remote.event) }];
  // New in WedSync: export it (a source calendar is never written).
  if (live && !remote) return importOnly ? [] : input.createUnsure ? createAgain(input, live, ctx) : [{ type: 'createRemote', hub: live }];
  // Matched pair: the same content just links; otherwise the base is what our create sent when the
  // item is ours (its link save was lost), else there is none to tell who changed what.
  const sent = remote && hub && remote.hubId === hub.id ? input.sent : undefined;
  if (live && remote) {
    if (sameContent(live.event, remote.event)) return [{ type: 'link', hub: live, remote }];
    if (importOnly) return converge(live, remote, undefined, fromRemote(remote.event, live.event.wedding), ctx.calendarId);
    if (exportOnly) return converge(live, remote, undefined, live.event, ctx.calendarId);
    // Against what we sent, the calendar's differences (its user's edits, the defaults it filled in)
    // are taken into the hub and the hub's later edits are pushed, as for a linked item.
    const result = merge3(sent, live.event, remote.event);
    if (result.conflicts.length === 0) return converge(live, remote, undefined, result.merged, ctx.calendarId);
    return settleFields(input, ctx, result, (event) => converge(live, remote, undefined, event, ctx.calendarId));
  }
  // A calendar item matching a tombstone. Our own copy whose link was never written (a crash) is
  // deleted — unless someone edited it since, which is delete vs edit. A foreign item reusing the UID
  // brings the event back.
  if (hub && remote) {
    const restore = (): SyncAction[] => converge(hub, remote, undefined, fromRemote(remote.event, hub.event.wedding), ctx.calendarId);
    if (remote.hubId !== hub.id) return exportOnly ? [] : restore();
    if (importOnly) return [];
    if (exportOnly || sameContent(hub.event, remote.event) || (sent !== undefined && sameContent(sent, remote.event))) return [deleteRemote(hub, remote, undefined)];
    return settleDeletion(input, ctx, 'delete_edit', { keepDeletion: () => [deleteRemote(hub, remote, undefined)], keepEvent: restore }) ?? [];
  }
  return [];
}

/**
 * A create whose earlier attempt may have landed and been deleted by the calendar's user before calsync
 * saw it (its answer was lost; the item is not there now). The event is created again — keeping a
 * wedding in the calendar is the safe side of a question nobody can answer — and the doubt is recorded
 * as a settled edit-vs-delete conflict (`by: sync:create-unsure`), so a planner who did delete it sees
 * why it is back instead of finding it silently resurrected.
 */
/** How the record of a create repeated after a lost answer is closed: the event was kept. */
const CREATE_DOUBT: Resolution = { take: 'wedsync', by: 'sync:create-unsure' };

/** `createAgain`'s record (no link, no base, no calendar copy), left open by a run that stopped. */
function isCreateDoubt(open: ConflictRecord): boolean {
  return open.type === 'edit_delete' && open.linkId === undefined && open.base === undefined && open.remote === undefined;
}

function createAgain(input: ItemInput, live: HubEvent, ctx: PlanContext): SyncAction[] {
  const draft: ConflictDraft = { calendarId: ctx.calendarId, hubEventId: live.id, type: 'edit_delete', fields: [DELETED_FIELD], hub: live.event };
  const resolution = CREATE_DOUBT;
  // Our own record of the doubt left open by a run that stopped before closing it is closed after the
  // create (planItem); any other open conflict is the user's to answer, and the create goes on.
  if (input.conflict) return [{ type: 'createRemote', hub: live }];
  return [
    { type: 'recordConflict', conflict: draft, reason: 'an earlier create may have landed and been deleted in the calendar before calsync saw it' },
    { type: 'createRemote', hub: live },
    { type: 'closeConflict', conflict: draft, resolution },
  ];
}

/**
 * The actions for one item. An open conflict whose two versions have not moved stays as it is; one
 * that no longer arises (the sides were made equal, or a user resolved it) is closed.
 */
export function planItem(input: ItemInput, ctx: PlanContext): SyncAction[] {
  const planned = input.link ? planLinked(input as ItemInput & { link: Link }, ctx) : planUnlinked(input, ctx);
  const actions = ctx.direction === 'export_only' ? planned.map(asMirror) : planned;
  const open = input.conflict;
  if (!open) return actions;
  const [only] = actions;
  if (actions.length === 1 && only?.type === 'recordConflict') return unchangedConflict(open, only.conflict) ? [] : actions;
  if (actions.some((a) => a.type === 'closeConflict')) return actions;
  return [
    ...actions,
    {
      type: 'closeConflict',
      conflict: { calendarId: open.calendarId, hubEventId: open.hubEventId, type: open.type, fields: open.fields },
      existingId: open.id,
      resolution: ctx.forced ?? (isCreateDoubt(open) ? CREATE_DOUBT : { take: 'merge', by: 'sync' }),
    },
  ];
}

/** Writes to an export-only calendar: what it stores is never taken back into the hub. */
function asMirror(action: SyncAction): SyncAction {
  return action.type === 'createRemote' || action.type === 'pushToRemote' ? { ...action, mirror: true } : action;
}

/** Plans every item; guards are applied to the whole plan by `guards.ts`. */
export function planSync(inputs: readonly ItemInput[], ctx: PlanContext): ItemPlan[] {
  return inputs.map((input) => ({ input, actions: planItem(input, ctx) }));
}
