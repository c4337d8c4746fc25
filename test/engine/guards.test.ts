import { beforeEach, describe, expect, it } from 'vitest';
import { CalsyncError } from '../../src/errors.js';
import { checkMassDelete, checkStorageEmpty, countDeletions, DeletionBudget } from '../../src/sync/guards.js';
import type { ItemPlan } from '../../src/sync/plan.js';
import { decideRule, effectiveRules, isGuarded } from '../../src/sync/rules.js';
import { makeEvent, makeWeddingEvent, resetEventIds } from '../support/events.js';
import { hubOf, linkOf, remoteOf, tombstoneOf } from './items.js';

beforeEach(() => resetEventIds());

function deletions(n: number, critical = 0): ItemPlan[] {
  return Array.from({ length: n }, (_, i) => {
    const event = i < critical ? makeWeddingEvent('ceremony') : makeEvent();
    return i % 2 === 0
      ? { input: {}, actions: [{ type: 'deleteHub', hub: hubOf(event), link: linkOf(event) }] }
      : { input: { hub: tombstoneOf(event) }, actions: [{ type: 'deleteRemote', remote: remoteOf(event), hubEventId: 'h1', title: event.title }] };
  });
}

function codeOf(fn: () => void): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof CalsyncError ? err.code : 'other';
  }
}

describe('deletion budget (re-planned deletions count like planned ones)', () => {
  it('admits re-planned deletions while the run stays within the guard, then refuses them', () => {
    const budget = new DeletionBudget(20, 'c1');
    budget.admitPlan(deletions(3));
    const [one, two] = deletions(2);
    expect(budget.admit(one!)).toBeUndefined();
    // A fifth deletion of 20 linked events (25 %) would trip the guard: refused, and not counted.
    expect(budget.admit(two!)).toMatch(/5 of 20/);
    expect(budget.admit({ input: {}, actions: [] })).toBeUndefined();
  });
  it('refuses the whole plan as checkMassDelete does, and admits everything when the user forced it', () => {
    expect(codeOf(() => new DeletionBudget(20, 'c1').admitPlan(deletions(6)))).toBe('SYNC_MASS_DELETE');
    const forced = new DeletionBudget(20, 'c1', { allowMassDelete: true });
    forced.admitPlan(deletions(6));
    expect(deletions(10).map((d) => forced.admit(d))).toEqual(Array(10).fill(undefined));
  });
});

describe('mass-delete guard', () => {
  it('refuses deleting more than 20 % of the linked events', () => {
    expect(codeOf(() => checkMassDelete(deletions(6), 20, 'c1'))).toBe('SYNC_MASS_DELETE');
    expect(codeOf(() => checkMassDelete(deletions(6), 100, 'c1'))).toBeUndefined();
  });
  it('lets a few deletions through, however small the calendar', () => {
    expect(codeOf(() => checkMassDelete(deletions(4), 4, 'c1'))).toBeUndefined();
  });
  it('refuses a bulk deletion containing a high-priority event even under the ratio', () => {
    expect(countDeletions(deletions(6, 1))).toEqual({ total: 6, highPriority: 1 });
    expect(codeOf(() => checkMassDelete(deletions(6, 1), 1_000, 'c1'))).toBe('SYNC_MASS_DELETE');
  });
  it('honours the thresholds and the user confirmation', () => {
    expect(codeOf(() => checkMassDelete(deletions(6), 20, 'c1', { allowMassDelete: true }))).toBeUndefined();
    expect(codeOf(() => checkMassDelete(deletions(6), 20, 'c1', { maxDeleteRatio: 0.5 }))).toBeUndefined();
    expect(codeOf(() => checkMassDelete(deletions(2), 4, 'c1', { bulkDeletes: 2 }))).toBe('SYNC_MASS_DELETE');
  });
  it('counts a new calendar with deletions as 100 %', () => {
    expect(codeOf(() => checkMassDelete(deletions(5), 0, 'c1'))).toBe('SYNC_MASS_DELETE');
  });
});

describe('storage-empty guard', () => {
  it('refuses an empty listing of a calendar with linked events', () => {
    expect(codeOf(() => checkStorageEmpty(0, 3, 'c1'))).toBe('SYNC_STORAGE_EMPTY');
    expect(codeOf(() => checkStorageEmpty(0, 0, 'c1'))).toBeUndefined();
    expect(codeOf(() => checkStorageEmpty(1, 3, 'c1'))).toBeUndefined();
  });
});

describe('conflict rules', () => {
  it('defaults to manual', () => {
    expect(decideRule({}, 'field', ['title'], false).kind).toBe('manual');
  });
  it('uses the rule for the type before the default', () => {
    const d = decideRule({ default: 'newest_wins', byType: { field: 'provider_wins' } }, 'field', ['title'], false);
    expect(d.kind === 'auto' && d.byField.get('title')).toBe('provider_wins');
  });
  it('guards date, time and place of wedding-critical events, and every deletion', () => {
    expect(isGuarded('field', 'start')).toBe(true);
    expect(isGuarded('field', 'title')).toBe(false);
    expect(isGuarded('edit_delete', '*')).toBe(true);
    expect(decideRule({ default: 'provider_wins' }, 'field', ['title', 'location'], true).kind).toBe('manual');
    const d = decideRule({ default: 'provider_wins', weddingCritical: { 'field:*': 'wedsync_wins' } }, 'field', ['title', 'location'], true);
    expect(d.kind === 'auto' && [...d.byField]).toEqual([
      ['title', 'provider_wins'],
      ['location', 'wedsync_wins'],
    ]);
  });
  it('a calendar rule set replaces the integration one', () => {
    expect(effectiveRules({ default: 'merge' }, undefined)).toEqual({ default: 'merge' });
    expect(effectiveRules({ default: 'merge' }, { default: 'manual' })).toEqual({ default: 'manual' });
  });
});
