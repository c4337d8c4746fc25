/**
 * The planner's truth table, table by table: linked items (hub live/edited/gone × calendar
 * same/edited/gone), unlinked items, direction, conflicts and their rules, open conflicts.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { CalendarEvent } from '../../src/model/event.js';
import type { SyncAction } from '../../src/sync/actions.js';
import { planItem, planSync, type ItemInput, type PlanContext } from '../../src/sync/plan.js';
import { makeEvent, makeWeddingEvent, resetEventIds, zoned } from '../support/events.js';
import { conflictOf, hubOf, linkOf, remoteOf, tombstoneOf, twoWay } from './items.js';

const types = (actions: SyncAction[]): string[] => actions.map((a) => a.type);
const plan = (input: ItemInput, ctx: PlanContext = twoWay): string[] => types(planItem(input, ctx));

let base: CalendarEvent;
beforeEach(() => {
  resetEventIds();
  base = makeEvent();
});

describe('linked item: hub state × calendar state (two-way)', () => {
  const cases: [string, () => ItemInput, string[]][] = [
    ['live/same, same etag: nothing', () => ({ hub: hubOf(base), remote: remoteOf(base), link: linkOf(base) }), []],
    ['live/same, new etag (echo): refresh the link', () => ({ hub: hubOf(base), remote: remoteOf(base, '"e2"'), link: linkOf(base) }), ['refreshLink']],
    ['edited/same: push to the calendar', () => ({ hub: hubOf({ ...base, title: 'New' }), remote: remoteOf(base), link: linkOf(base) }), ['pushToRemote']],
    ['live/edited: pull into the hub', () => ({ hub: hubOf(base), remote: remoteOf({ ...base, title: 'New' }, '"e2"'), link: linkOf(base) }), ['pullToHub']],
    ['edited/edited, different fields: merge both', () => ({ hub: hubOf({ ...base, title: 'A' }), remote: remoteOf({ ...base, location: 'B' }, '"e2"'), link: linkOf(base) }), ['mergeBoth']],
    ['edited/edited, same change: only the link moves', () => ({ hub: hubOf({ ...base, title: 'A' }), remote: remoteOf({ ...base, title: 'A' }, '"e2"'), link: linkOf(base) }), ['refreshLink']],
    ['edited/edited, same field: conflict recorded', () => ({ hub: hubOf({ ...base, title: 'A' }), remote: remoteOf({ ...base, title: 'B' }, '"e2"'), link: linkOf(base) }), ['recordConflict']],
    ['live/gone: delete in the hub', () => ({ hub: hubOf(base), link: linkOf(base) }), ['deleteHub']],
    ['edited/gone: edit vs delete conflict', () => ({ hub: hubOf({ ...base, title: 'A' }), link: linkOf(base) }), ['recordConflict']],
    ['gone/same: delete in the calendar', () => ({ hub: tombstoneOf(base), remote: remoteOf(base), link: linkOf(base) }), ['deleteRemote']],
    ['gone/edited: delete vs edit conflict', () => ({ hub: tombstoneOf(base), remote: remoteOf({ ...base, title: 'B' }, '"e2"'), link: linkOf(base) }), ['recordConflict']],
    ['gone/gone: unlink', () => ({ hub: tombstoneOf(base), link: linkOf(base) }), ['unlink']],
    ['hub row missing, calendar same: unlink', () => ({ remote: remoteOf(base), link: linkOf(base) }), ['unlink']],
    ['hub row missing, calendar edited: unlink', () => ({ remote: remoteOf({ ...base, title: 'B' }), link: linkOf(base) }), ['unlink']],
  ];
  it.each(cases)('%s', (_name, input, expected) => {
    expect(plan(input())).toEqual(expected);
  });

  it('merges both sides field by field into one event', () => {
    const [action] = planItem({ hub: hubOf({ ...base, title: 'A' }), remote: remoteOf({ ...base, location: 'B' }, '"e2"'), link: linkOf(base) }, twoWay);
    expect(action?.type).toBe('mergeBoth');
    if (action?.type !== 'mergeBoth') return;
    expect(action.event.title).toBe('A');
    expect(action.event.location).toBe('B');
  });

  it('records both versions, the base and the fields of a conflict', () => {
    const [action] = planItem({ hub: hubOf({ ...base, title: 'A' }), remote: remoteOf({ ...base, title: 'B' }, '"e2"'), link: linkOf(base) }, twoWay);
    if (action?.type !== 'recordConflict') throw new Error('expected a conflict');
    expect(action.conflict).toMatchObject({ type: 'field', fields: ['title'], hubEventId: 'h1', linkId: 'l1', remoteEtag: '"e2"' });
    expect(action.conflict.hub?.title).toBe('A');
    expect(action.conflict.remote?.title).toBe('B');
    expect(action.conflict.base?.title).toBe(base.title);
  });
});

describe('linked item: direction', () => {
  const importOnly: PlanContext = { ...twoWay, direction: 'import_only' };
  const exportOnly: PlanContext = { ...twoWay, direction: 'export_only' };

  it('import-only never pushes hub edits or deletions', () => {
    expect(plan({ hub: hubOf({ ...base, title: 'A' }), remote: remoteOf(base), link: linkOf(base) }, importOnly)).toEqual([]);
    expect(plan({ hub: tombstoneOf(base), remote: remoteOf(base), link: linkOf(base) }, importOnly)).toEqual([]);
  });
  it('import-only takes the calendar over the hub, restoring a deleted event it edits', () => {
    expect(plan({ hub: hubOf({ ...base, title: 'A' }), remote: remoteOf({ ...base, title: 'B' }, '"e2"'), link: linkOf(base) }, importOnly)).toEqual(['pullToHub']);
    expect(plan({ hub: tombstoneOf(base), remote: remoteOf({ ...base, title: 'B' }, '"e2"'), link: linkOf(base) }, importOnly)).toEqual(['pullToHub']);
  });
  it('export-only reverts calendar edits and recreates calendar deletions', () => {
    expect(plan({ hub: hubOf(base), remote: remoteOf({ ...base, title: 'B' }, '"e2"'), link: linkOf(base) }, exportOnly)).toEqual(['pushToRemote']);
    expect(plan({ hub: hubOf({ ...base, title: 'A' }), remote: remoteOf({ ...base, title: 'B' }, '"e2"'), link: linkOf(base) }, exportOnly)).toEqual(['pushToRemote']);
    expect(plan({ hub: hubOf(base), link: linkOf(base) }, exportOnly)).toEqual(['unlink', 'createRemote']);
    expect(plan({ hub: hubOf({ ...base, title: 'A' }), link: linkOf(base) }, exportOnly)).toEqual(['unlink', 'createRemote']);
    expect(plan({ hub: tombstoneOf(base), remote: remoteOf({ ...base, title: 'B' }, '"e2"'), link: linkOf(base) }, exportOnly)).toEqual(['deleteRemote']);
  });
});

describe('unlinked item', () => {
  it.each<[string, () => ItemInput, PlanContext, string[]]>([
    ['new in the calendar: create in the hub', () => ({ remote: remoteOf(base) }), twoWay, ['createHub']],
    ['new in the calendar, export-only: ignored', () => ({ remote: remoteOf(base) }), { ...twoWay, direction: 'export_only' }, []],
    ['new in the hub: create in the calendar', () => ({ hub: hubOf(base) }), twoWay, ['createRemote']],
    ['new in the hub, import-only: not exported', () => ({ hub: hubOf(base) }), { ...twoWay, direction: 'import_only' }, []],
    ['matched and equal: link', () => ({ hub: hubOf(base), remote: remoteOf(base) }), twoWay, ['link']],
    ['matched and different, no base: conflict', () => ({ hub: hubOf(base), remote: remoteOf({ ...base, title: 'B' }) }), twoWay, ['recordConflict']],
    ['matched and different, import-only: the calendar wins', () => ({ hub: hubOf(base), remote: remoteOf({ ...base, title: 'B' }) }), { ...twoWay, direction: 'import_only' }, ['pullToHub']],
    ['matched and different, export-only: the hub wins', () => ({ hub: hubOf(base), remote: remoteOf({ ...base, title: 'B' }) }), { ...twoWay, direction: 'export_only' }, ['pushToRemote']],
    ['our unlinked copy of a deleted event: delete it', () => ({ hub: tombstoneOf(base), remote: remoteOf(base, '"e1"', { hubId: 'h1' }) }), twoWay, ['deleteRemote']],
    ['our unlinked copy, edited since, of a deleted event: conflict', () => ({ hub: tombstoneOf(base), remote: remoteOf({ ...base, title: 'B' }, '"e1"', { hubId: 'h1' }) }), twoWay, ['recordConflict']],
    ['our unlinked copy, import-only: left alone', () => ({ hub: tombstoneOf(base), remote: remoteOf(base, '"e1"', { hubId: 'h1' }) }), { ...twoWay, direction: 'import_only' }, []],
    ['a foreign item reusing a deleted UID: restore', () => ({ hub: tombstoneOf(base), remote: remoteOf({ ...base, title: 'Back' }) }), twoWay, ['pullToHub']],
    ['a foreign item reusing a deleted UID, export-only: ignored', () => ({ hub: tombstoneOf(base), remote: remoteOf(base) }), { ...twoWay, direction: 'export_only' }, []],
    ['a tombstone alone: nothing', () => ({ hub: tombstoneOf(base) }), twoWay, []],
  ])('%s', (_name, input, ctx, expected) => {
    expect(plan(input(), ctx)).toEqual(expected);
  });

  it('classifies an imported event (wedding fields inferred from the title)', () => {
    const [action] = planItem({ remote: remoteOf({ ...base, title: 'Wedding ceremony', wedding: { kind: 'other', kindSource: 'inferred' } }) }, twoWay);
    if (action?.type !== 'createHub') throw new Error('expected createHub');
    expect(action.event.wedding.kind).toBe('ceremony');
  });
});

describe('conflict rules', () => {
  const conflicting = (): ItemInput => ({ hub: hubOf({ ...base, title: 'A' }, { updatedAt: '2026-06-02T00:00:00.000Z' }), remote: remoteOf({ ...base, title: 'B', lastModified: '2026-06-03T00:00:00.000Z' }, '"e2"'), link: linkOf(base) });
  const withRules = (rules: PlanContext['rules']): PlanContext => ({ ...twoWay, rules });

  it('provider_wins takes the calendar value: recorded, written, closed', () => {
    const actions = planItem(conflicting(), withRules({ default: 'provider_wins' }));
    expect(types(actions)).toEqual(['recordConflict', 'pullToHub', 'closeConflict']);
    const pull = actions[1];
    if (pull?.type !== 'pullToHub') throw new Error('expected pullToHub');
    expect(pull.event.title).toBe('B');
  });
  it('wedsync_wins takes the hub value', () => {
    expect(types(planItem(conflicting(), withRules({ byType: { field: 'wedsync_wins' } })))).toEqual(['recordConflict', 'pushToRemote', 'closeConflict']);
  });
  it('newest_wins compares the hub update time with the calendar modification time', () => {
    expect(types(planItem(conflicting(), withRules({ default: 'newest_wins' })))).toEqual(['recordConflict', 'pullToHub', 'closeConflict']);
  });
  it('merge unions list fields', () => {
    const input: ItemInput = { hub: hubOf({ ...base, categories: ['A'] }), remote: remoteOf({ ...base, categories: ['B'] }, '"e2"'), link: linkOf(base) };
    const actions = planItem(input, withRules({ default: 'merge' }));
    const write = actions.find((a) => a.type === 'mergeBoth');
    if (write?.type !== 'mergeBoth') throw new Error('expected mergeBoth');
    expect(write.event.categories).toEqual(['A', 'B']);
  });
  it('edit vs delete under provider_wins deletes; under wedsync_wins recreates', () => {
    const input = (): ItemInput => ({ hub: hubOf({ ...base, title: 'A' }), link: linkOf(base) });
    expect(types(planItem(input(), withRules({ default: 'provider_wins' })))).toEqual(['recordConflict', 'deleteHub', 'closeConflict']);
    expect(types(planItem(input(), withRules({ default: 'wedsync_wins' })))).toEqual(['recordConflict', 'unlink', 'createRemote', 'closeConflict']);
    expect(types(planItem(input(), withRules({ default: 'newest_wins' })))).toEqual(['recordConflict', 'unlink', 'createRemote', 'closeConflict']);
  });
  it('records the surviving version of a deletion conflict: the calendar edit, or the hub edit', () => {
    const [deleteEdit] = planItem({ hub: tombstoneOf(base), remote: remoteOf({ ...base, title: 'B' }, '"e2"'), link: linkOf(base) }, twoWay);
    if (deleteEdit?.type !== 'recordConflict') throw new Error('expected a conflict');
    expect(deleteEdit.conflict).toMatchObject({ type: 'delete_edit', remote: { title: 'B' }, remoteEtag: '"e2"' });
    expect(deleteEdit.conflict.hub).toBeUndefined();
    const [editDelete] = planItem({ hub: hubOf({ ...base, title: 'A' }), link: linkOf(base) }, twoWay);
    if (editDelete?.type !== 'recordConflict') throw new Error('expected a conflict');
    expect(editDelete.conflict).toMatchObject({ type: 'edit_delete', hub: { title: 'A' } });
    expect(editDelete.conflict.remote).toBeUndefined();
  });
  it('delete vs edit under provider_wins restores; under wedsync_wins deletes the calendar copy', () => {
    const input = (): ItemInput => ({ hub: tombstoneOf(base), remote: remoteOf({ ...base, title: 'B' }, '"e2"'), link: linkOf(base) });
    expect(types(planItem(input(), withRules({ default: 'provider_wins' })))).toEqual(['recordConflict', 'pullToHub', 'closeConflict']);
    expect(types(planItem(input(), withRules({ default: 'wedsync_wins' })))).toEqual(['recordConflict', 'deleteRemote', 'closeConflict']);
  });
});

describe('wedding-critical guard', () => {
  const ceremony = (): CalendarEvent => makeWeddingEvent('ceremony');

  it('holds a time conflict on a ceremony even when the default rule would settle it', () => {
    const b = ceremony();
    const input: ItemInput = { hub: hubOf({ ...b, start: zoned('2026-08-15T13:00:00') }), remote: remoteOf({ ...b, start: zoned('2026-08-15T16:00:00') }, '"e2"'), link: linkOf(b) };
    const [action] = planItem(input, { ...twoWay, rules: { default: 'provider_wins' } });
    expect(action?.type).toBe('recordConflict');
    if (action?.type === 'recordConflict') expect(action.reason).toContain('field:start');
  });
  it('lets a rule naming the exact case settle it', () => {
    const b = ceremony();
    const input: ItemInput = { hub: hubOf({ ...b, start: zoned('2026-08-15T13:00:00') }), remote: remoteOf({ ...b, start: zoned('2026-08-15T16:00:00') }, '"e2"'), link: linkOf(b) };
    const actions = planItem(input, { ...twoWay, rules: { default: 'provider_wins', weddingCritical: { 'field:start': 'wedsync_wins' } } });
    expect(types(actions)).toEqual(['recordConflict', 'pushToRemote', 'closeConflict']);
  });
  it('settles a non-critical field of a ceremony by the ordinary rule', () => {
    const b = ceremony();
    const input: ItemInput = { hub: hubOf({ ...b, description: 'A' }), remote: remoteOf({ ...b, description: 'B' }, '"e2"'), link: linkOf(b) };
    expect(types(planItem(input, { ...twoWay, rules: { default: 'provider_wins' } }))).toEqual(['recordConflict', 'pullToHub', 'closeConflict']);
  });
  it('holds a calendar deletion of an untouched ceremony', () => {
    const b = ceremony();
    expect(plan({ hub: hubOf(b), link: linkOf(b) }, { ...twoWay, rules: { default: 'provider_wins' } })).toEqual(['recordConflict']);
    expect(plan({ hub: hubOf(b), link: linkOf(b) }, { ...twoWay, rules: { weddingCritical: { 'wedding_critical:*': 'provider_wins' } } })).toEqual(['recordConflict', 'deleteHub', 'closeConflict']);
    expect(plan({ hub: hubOf(b), link: linkOf(b) }, { ...twoWay, rules: { byType: { wedding_critical: 'wedsync_wins' } } })).toEqual(['recordConflict', 'unlink', 'createRemote', 'closeConflict']);
  });
});

describe('open conflicts and user resolutions', () => {
  const input = (conflict: ReturnType<typeof conflictOf>): ItemInput => ({ hub: hubOf({ ...base, title: 'A' }), remote: remoteOf({ ...base, title: 'B' }, '"e2"'), link: linkOf(base), conflict });

  it('waits on a conflict whose versions have not moved', () => {
    const open = conflictOf({ hub: { ...base, title: 'A' }, remote: { ...base, title: 'B' }, remoteEtag: '"e2"' });
    expect(plan(input(open))).toEqual([]);
  });
  it('re-records a conflict when one side moved again', () => {
    const open = conflictOf({ hub: { ...base, title: 'older' }, remote: { ...base, title: 'B' }, remoteEtag: '"e2"' });
    expect(plan(input(open))).toEqual(['recordConflict']);
  });
  it('closes a conflict the users made moot', () => {
    const open = conflictOf({ hub: { ...base, title: 'A' }, remote: { ...base, title: 'B' }, remoteEtag: '"e2"' });
    const actions = planItem({ hub: hubOf({ ...base, title: 'A' }), remote: remoteOf({ ...base, title: 'A' }, '"e3"'), link: linkOf(base), conflict: open }, twoWay);
    expect(types(actions)).toEqual(['refreshLink', 'closeConflict']);
    const close = actions[1];
    if (close?.type === 'closeConflict') expect(close).toMatchObject({ existingId: 'k1', resolution: { by: 'sync' } });
  });
  it('applies a forced choice per field without recording the conflict again', () => {
    const open = conflictOf({ hub: { ...base, title: 'A' }, remote: { ...base, title: 'B' }, remoteEtag: '"e2"' });
    const forced = { take: 'fields' as const, fields: { title: 'provider' as const }, by: 'user' };
    const actions = planItem(input(open), { ...twoWay, forced });
    expect(types(actions)).toEqual(['pullToHub', 'closeConflict']);
    const pull = actions[0];
    if (pull?.type === 'pullToHub') expect(pull.event.title).toBe('B');
  });
  it('applies wedsync / provider / merge choices to edit-vs-delete', () => {
    const open = conflictOf({ type: 'edit_delete', fields: ['*'], hub: { ...base, title: 'A' } });
    const gone = (): ItemInput => ({ hub: hubOf({ ...base, title: 'A' }), link: linkOf(base), conflict: open });
    expect(plan(gone(), { ...twoWay, forced: { take: 'provider', by: 'user' } })).toEqual(['deleteHub', 'closeConflict']);
    expect(plan(gone(), { ...twoWay, forced: { take: 'wedsync', by: 'user' } })).toEqual(['unlink', 'createRemote', 'closeConflict']);
    expect(plan(gone(), { ...twoWay, forced: { take: 'merge', by: 'user' } })).toEqual(['unlink', 'createRemote', 'closeConflict']);
  });
});

describe('an open conflict settled after its versions moved', () => {
  // Found by the model test (seed 1646314255): an edit-vs-delete held on a ceremony; the planner then
  // renamed the event (no longer wedding-critical) and the ordinary rule settled it — closing a record
  // that still showed the ceremony. The record is brought up to the versions decided on first.
  it('records the conflict again with the versions the rule decided on, then closes it', () => {
    const ceremony = makeWeddingEvent('ceremony');
    const open = conflictOf({ type: 'edit_delete', fields: ['*'], hub: ceremony });
    const renamed = { ...ceremony, title: 'Consultation with the couple', wedding: { ...ceremony.wedding, kind: 'other' as const } };
    const actions = planItem({ hub: hubOf(renamed), link: linkOf(base), conflict: open }, { ...twoWay, rules: { default: 'provider_wins' } });
    expect(types(actions)).toEqual(['recordConflict', 'deleteHub', 'closeConflict']);
    const [record] = actions;
    if (record?.type === 'recordConflict') expect(record.conflict.hub?.title).toBe('Consultation with the couple');
  });
  it('does not record an unchanged open conflict again when a rule settles it', () => {
    const open = conflictOf({ type: 'edit_delete', fields: ['*'], hub: { ...base, title: 'A' } });
    const actions = planItem({ hub: hubOf({ ...base, title: 'A' }), link: linkOf(base), conflict: open }, { ...twoWay, rules: { default: 'provider_wins' } });
    expect(types(actions)).toEqual(['deleteHub', 'closeConflict']);
  });
});

describe('a create whose earlier answer was lost', () => {
  it('creates the event again and records the doubt as a settled edit-vs-delete conflict', () => {
    const actions = planItem({ hub: hubOf(base), createUnsure: true }, twoWay);
    expect(types(actions)).toEqual(['recordConflict', 'createRemote', 'closeConflict']);
    const close = actions[2];
    if (close?.type === 'closeConflict') expect(close.resolution).toEqual({ take: 'wedsync', by: 'sync:create-unsure' });
    expect(actions[0]).toMatchObject({ conflict: { type: 'edit_delete', fields: ['*'] } });
  });
  it('leaves an open conflict to the user and only creates; a source calendar is not written', () => {
    expect(plan({ hub: hubOf(base), createUnsure: true, conflict: conflictOf({ type: 'field', fields: ['title'], hub: base, linkId: 'l1' }) })).toEqual(['createRemote', 'closeConflict']);
    // Our own record of the doubt, left open by a crash: closed as the doubt it is.
    const actions = planItem({ hub: hubOf(base), createUnsure: true, conflict: conflictOf({ type: 'edit_delete', fields: ['*'], hub: base }) }, twoWay);
    expect(types(actions)).toEqual(['createRemote', 'closeConflict']);
    expect(actions[1]).toMatchObject({ existingId: 'k1', resolution: { by: 'sync:create-unsure' } });
    expect(plan({ hub: hubOf(base), createUnsure: true }, { ...twoWay, direction: 'import_only' })).toEqual([]);
  });
});

describe('planSync', () => {
  it('plans every item independently', () => {
    const items: ItemInput[] = [{ remote: remoteOf(base) }, { hub: hubOf(makeEvent({ title: 'Other' }), { id: 'h2' }) }];
    expect(planSync(items, twoWay).map((p) => types(p.actions))).toEqual([['createHub'], ['createRemote']]);
  });
});
