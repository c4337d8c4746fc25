/**
 * The planner, for a calendar item carrying our hub id whose link was never saved: what our create sent
 * (`ItemInput.sent`) is the base. Without it the pair has no base and every difference is a conflict.
 */
import { describe, expect, it } from 'vitest';
import type { SyncAction } from '../../src/sync/actions.js';
import { planItem } from '../../src/sync/plan.js';
import { mergeWritten } from '../../src/sync/written.js';
import { makeEvent } from '../support/events.js';
import { hubOf, remoteOf, tombstoneOf, twoWay } from './items.js';

const types = (actions: SyncAction[]): string[] => actions.map((a) => a.type);

describe('planning our own create whose link was never saved', () => {
  const sent = makeEvent({ title: 'Tasting', location: 'The Old Barn' });

  it('hub edited since: pushed (the calendar copy is what we sent)', () => {
    const hub = hubOf({ ...sent, location: 'The Orangery' });
    const actions = planItem({ hub, remote: remoteOf(sent, '"e1"', { hubId: 'h1' }), sent }, twoWay);
    expect(types(actions)).toEqual(['pushToRemote']);
    expect(actions[0]?.type === 'pushToRemote' && actions[0].event.location).toBe('The Orangery');
  });

  it('calendar edited since: pulled', () => {
    const actions = planItem({ hub: hubOf(sent), remote: remoteOf({ ...sent, location: 'Venue 1' }, '"e2"', { hubId: 'h1' }), sent }, twoWay);
    expect(types(actions)).toEqual(['pullToHub']);
  });

  it('without what we sent: a conflict on every differing field (the old behaviour, kept when unknown)', () => {
    const actions = planItem({ hub: hubOf({ ...sent, title: 'Menu tasting' }), remote: remoteOf({ ...sent, location: 'Venue 1' }, '"e2"', { hubId: 'h1' }) }, twoWay);
    expect(types(actions)).toEqual(['recordConflict']);
  });

  it('another item (not stamped with this hub id) never uses it', () => {
    const actions = planItem({ hub: hubOf({ ...sent, title: 'Menu tasting' }), remote: remoteOf({ ...sent, location: 'Venue 1' }, '"e2"', { hubId: 'other' }), sent }, twoWay);
    expect(types(actions)).toEqual(['recordConflict']);
  });

  it('hub deleted since, the copy is what we sent (with a hub edit before the deletion): deleted, no delete-vs-edit conflict', () => {
    const hub = tombstoneOf({ ...sent, title: 'Menu tasting' });
    const actions = planItem({ hub, remote: remoteOf(sent, '"e1"', { hubId: 'h1' }), sent }, twoWay);
    expect(types(actions)).toEqual(['deleteRemote']);
  });

  it('the sync state keeps every create’s hash of an item (a retried create may have sent another version)', () => {
    const merged = mergeWritten({ items: [{ hubEventId: 'h1', sent: ['aaa'] }] }, [{ hubEventId: 'h1', sent: ['bbb'] }]);
    expect(merged?.items).toEqual([{ hubEventId: 'h1', sent: ['aaa', 'bbb'] }]);
  });
});
