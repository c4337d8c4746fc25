import { describe, expect, it } from 'vitest';
import { EMERGENCY_WINDOW_MS, isEmergency, urgencyOf } from '../../src/service/urgency.js';
import { ManualClock } from '../../src/util/clock.js';
import { makeEvent, makeWeddingEvent, utc, zoned } from '../support/events.js';

const HOUR = 3_600_000;
const WEDDING = '2026-08-15';
const weddingDay = Date.parse(`${WEDDING}T00:00:00Z`);

describe('isEmergency', () => {
  it('is true whenever WedSync flags the change', () => {
    const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
    expect(isEmergency(makeEvent({ wedding: { kind: 'other', kindSource: 'inferred', emergency: true } }), clock)).toBe(true);
  });

  it('is true from 48 h before the wedding day until its end, false outside', () => {
    // A UTC (or floating) event counts the wedding day in UTC.
    const event = makeEvent({ start: utc('2026-06-20T15:00:00Z'), end: utc('2026-06-20T16:00:00Z'), wedding: { kind: 'tasting', kindSource: 'wedsync', weddingDate: WEDDING } });
    const clock = new ManualClock(weddingDay - EMERGENCY_WINDOW_MS - 1);
    expect(isEmergency(event, clock)).toBe(false);
    clock.set(weddingDay - EMERGENCY_WINDOW_MS);
    expect(isEmergency(event, clock)).toBe(true);
    clock.set(weddingDay + 23 * HOUR);
    expect(isEmergency(event, clock)).toBe(true);
    clock.set(weddingDay + 24 * HOUR + 1);
    expect(isEmergency(event, clock)).toBe(false);
  });

  it('uses the start of a wedding-critical event without a wedding date, and ignores other events', () => {
    const ceremony = makeWeddingEvent('ceremony', { start: utc('2026-08-15T13:00:00Z'), end: utc('2026-08-15T14:00:00Z'), wedding: { kind: 'ceremony', kindSource: 'wedsync' } });
    const meeting = makeEvent({ start: utc('2026-08-15T13:00:00Z'), end: utc('2026-08-15T14:00:00Z'), wedding: { kind: 'client_meeting', kindSource: 'wedsync' } });
    const clock = new ManualClock(Date.parse('2026-08-14T13:00:00Z'));
    expect(isEmergency(ceremony, clock)).toBe(true);
    expect(isEmergency(meeting, clock)).toBe(false);
    clock.set(Date.parse('2026-08-12T12:59:59Z'));
    expect(isEmergency(ceremony, clock)).toBe(false);
  });

  it("counts the wedding day in the event's own time zone", () => {
    const reception = makeWeddingEvent('reception', { start: zoned('2026-08-15T18:00:00', 'America/Los_Angeles'), end: zoned('2026-08-15T23:00:00', 'America/Los_Angeles') }, WEDDING);
    // 22:00 in Los Angeles on the wedding day is 05:00 UTC the next day: still the wedding day.
    expect(isEmergency(reception, new ManualClock(Date.parse('2026-08-16T05:00:00Z')))).toBe(true);
    // Midnight after it in Los Angeles (07:00 UTC) ends the window.
    expect(isEmergency(reception, new ManualClock(Date.parse('2026-08-16T07:00:01Z')))).toBe(false);
    // 48 h before the day starts in Los Angeles (07:00 UTC two days earlier) opens it.
    expect(isEmergency(reception, new ManualClock(Date.parse('2026-08-13T06:59:59Z')))).toBe(false);
    expect(isEmergency(reception, new ManualClock(Date.parse('2026-08-13T07:00:00Z')))).toBe(true);
  });

  it('is false for an unparseable wedding date', () => {
    const event = makeEvent({ wedding: { kind: 'other', kindSource: 'wedsync', weddingDate: 'someday' } });
    expect(isEmergency(event, new ManualClock())).toBe(false);
  });
});

describe('urgencyOf', () => {
  const far = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));

  it('takes the highest priority of the batch, with a floor', () => {
    expect(urgencyOf([], far)).toEqual({ priority: 'low', emergency: false });
    expect(urgencyOf([], far, 'medium')).toEqual({ priority: 'medium', emergency: false });
    const tasting = makeWeddingEvent('tasting');
    const meeting = makeWeddingEvent('client_meeting');
    const reception = makeWeddingEvent('reception');
    expect(urgencyOf([tasting], far)).toEqual({ priority: 'low', emergency: false });
    expect(urgencyOf([tasting, meeting], far)).toEqual({ priority: 'medium', emergency: false });
    expect(urgencyOf([meeting, reception, tasting], far)).toEqual({ priority: 'high', emergency: false });
  });

  it('raises any batch with an emergency to high', () => {
    const near = new ManualClock(weddingDay - 10 * HOUR);
    expect(urgencyOf([makeWeddingEvent('tasting', {}, WEDDING)], near)).toEqual({ priority: 'high', emergency: true });
  });
});
