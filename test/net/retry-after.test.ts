/** The one Retry-After parser (CalDAV, Graph, $batch), read against the injected clock. */
import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from '../../src/net/retry-after.js';
import { ManualClock } from '../../src/util/clock.js';

describe('parseRetryAfter', () => {
  const now = new ManualClock(Date.UTC(2026, 5, 1, 12, 0, 0)).now();
  it.each([
    ['120', 120],
    [' 7 ', 7],
    ['1.2', 2],
    ['0', 0],
    ['Mon, 01 Jun 2026 12:01:00 GMT', 60],
    ['Mon, 01 Jun 2026 12:00:00.500 GMT', 1],
    ['Mon, 01 Jun 2026 11:00:00 GMT', 0],
  ])('%j → %i s', (value, seconds) => {
    expect(parseRetryAfter(value, now)).toBe(seconds);
  });
  it.each([null, undefined, '', ' ', 'soon', '-5', '1e3'])('%j → undefined', (value) => {
    expect(parseRetryAfter(value, now)).toBeUndefined();
  });
});
