/** The event a 404'd PUT is retried with (iCloud refuses a VEVENT without DTEND or DURATION). */
import { describe, expect, it } from 'vitest';
import { withImpliedEnds } from '../../src/providers/caldav/caldav-provider.js';
import { date, makeEvent, makeRecurringEvent, utc, zoned } from '../support/events.js';

describe('withImpliedEnds', () => {
  it('writes out the end RFC 5545 implies: the start for a timed start, the next day for a date', () => {
    const { end: _a, ...timed } = makeEvent({ start: utc('2026-08-15T18:00:00Z') });
    expect(withImpliedEnds(timed)?.end).toEqual(utc('2026-08-15T18:00:00Z'));
    const { end: _b, ...allDay } = makeEvent({ start: date('2026-08-15') });
    expect(withImpliedEnds(allDay)?.end).toEqual(date('2026-08-16'));
  });

  it('fills overrides too, and is undefined when every end is explicit', () => {
    const complete = makeRecurringEvent();
    expect(complete.overrides.length).toBeGreaterThan(0);
    expect(withImpliedEnds(complete)).toBeUndefined();
    const [first, ...others] = complete.overrides;
    if (!first) throw new Error('no override');
    const { end: _c, ...open } = { ...first, start: zoned('2026-06-27T15:00:00') };
    const filled = withImpliedEnds({ ...complete, overrides: [open, ...others] });
    expect(filled?.end).toEqual(complete.end);
    expect(filled?.overrides[0]?.end).toEqual(zoned('2026-06-27T15:00:00'));
    expect(filled?.overrides.slice(1)).toEqual(others);
  });
});
