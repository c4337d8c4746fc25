import { describe, expect, it } from 'vitest';
import { CalsyncError, type ErrorCode } from '../../src/errors.js';
import { asPending, MAX_WRITTEN, mayHaveApplied, mergeWritten, unsettled, unsureCreates } from '../../src/sync/written.js';

describe('writes remembered since the cursor', () => {
  it('merges by item, later entries winning, and forgets nothing but what was settled', () => {
    const merged = mergeWritten({ items: [{ remoteId: 'a', etag: '1' }, { hubEventId: 'h' }] }, [{ remoteId: 'a', etag: '2' }, { remoteId: 'b' }]);
    expect(merged).toEqual({ items: [{ hubEventId: 'h' }, { remoteId: 'a', etag: '2' }, { remoteId: 'b' }] });
    expect(unsettled(merged, ['a'])).toEqual({ items: [{ hubEventId: 'h' }, { remoteId: 'b' }] });
    expect(mergeWritten(undefined, [])).toBeUndefined();
  });
  it('past the cap, asks for a full listing instead (and keeps asking until a sync stores a new cursor)', () => {
    const many = Array.from({ length: MAX_WRITTEN + 1 }, (_, i) => ({ remoteId: `r${i}` }));
    const full = mergeWritten(undefined, many);
    expect(full).toEqual({ items: [], full: true });
    expect(mergeWritten(full, [{ remoteId: 'x' }])).toEqual({ items: [], full: true });
  });
  it('marks a create whose answer was lost as unsure, and keeps it so across merges of the same item', () => {
    const err = (code: ErrorCode, status?: number): CalsyncError => new CalsyncError(code, 'x', status === undefined ? {} : { details: { status } });
    expect([err('PROVIDER_UNAVAILABLE'), err('PROVIDER_TIMEOUT'), err('PROVIDER_UNAVAILABLE', 502)].map(mayHaveApplied)).toEqual([true, true, true]);
    expect(mayHaveApplied(new CalsyncError('PROVIDER_UNAVAILABLE', 'lookup', { details: { sent: false } }))).toBe(false);
    expect([err('PROVIDER_UNAVAILABLE', 503), err('PROVIDER_THROTTLED'), err('PROVIDER_REJECTED', 400), new Error('x')].map(mayHaveApplied)).toEqual([false, false, false, false]);
    const errors = [
      { actionType: 'createRemote' as const, mayHaveApplied: true, hubEventId: 'h1' },
      { actionType: 'createRemote' as const, mayHaveApplied: true, hubEventId: 'h2' },
      { actionType: 'createRemote' as const, hubEventId: 'h3' },
      { actionType: 'pushToRemote' as const, mayHaveApplied: true, hubEventId: 'h5' },
    ];
    expect([...unsureCreates(errors)]).toEqual(['h1', 'h2']);
    const merged = mergeWritten({ items: [{ hubEventId: 'h1', sent: ['a'], unsure: true }] }, [{ hubEventId: 'h1', sent: ['b'] }]);
    expect(merged).toEqual({ items: [{ hubEventId: 'h1', sent: ['a', 'b'], unsure: true }] });
  });
  it('marks the creates of a run pending; merged into a later state (their run died) they become unsure', () => {
    const pre = asPending([{ hubEventId: 'h1', sent: ['a'] }, { remoteId: 'r1' }]);
    expect(pre).toEqual([{ hubEventId: 'h1', sent: ['a'], pending: true }, { remoteId: 'r1' }]);
    // A later run saves over a state that still holds them: the doubt stays once `pending` is gone.
    expect(mergeWritten(undefined, [...pre, { hubEventId: 'h1', sent: ['a'] }])).toEqual({ items: [{ remoteId: 'r1' }, { hubEventId: 'h1', sent: ['a'], unsure: true }] });
  });
});
