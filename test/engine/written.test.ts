import { describe, expect, it } from 'vitest';
import { MAX_WRITTEN, mergeWritten, unsettled } from '../../src/sync/written.js';

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
});
