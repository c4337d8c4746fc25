import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/util/clock.js';
import { isUuid, newId } from '../../src/util/ids.js';

describe('newId (UUIDv7)', () => {
  it('is a version-7, variant-10 UUID carrying the clock time', () => {
    const clock = new ManualClock(Date.UTC(2026, 5, 1));
    const id = newId(clock);
    expect(isUuid(id)).toBe(true);
    expect(id[14]).toBe('7');
    expect(['8', '9', 'a', 'b']).toContain(id[19]);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(clock.now());
  });

  it('sorts by time and never repeats (across pool refills)', () => {
    const clock = new ManualClock(1_000);
    const ids = new Set<string>();
    let previous = '';
    for (let i = 0; i < 1_000; i += 1) {
      clock.advance(1);
      const id = newId(clock);
      expect(id > previous).toBe(true);
      previous = id;
      ids.add(id);
    }
    expect(ids.size).toBe(1_000);
    expect(isUuid(newId())).toBe(true);
    expect(isUuid('not-a-uuid')).toBe(false);
  });
});
