import { describe, expect, it } from 'vitest';
import type { EventTime } from '../../src/model/event.js';
import {
  addDays,
  compareTime,
  dateOf,
  effectiveEnd,
  formatTime,
  localToMs,
  msToUtc,
  sameTime,
  toInstantMs,
  utcToZoneLocalMs,
  zoneLocalToUtcMs,
  zoneOffsetMs,
} from '../../src/model/time.js';
import { registerZoneRules } from '../../src/model/timezones.js';
import { CalsyncError } from '../../src/errors.js';

const utc = (s: string): number => Date.parse(s);

describe('toInstantMs', () => {
  it('reads utc, date and floating', () => {
    expect(toInstantMs({ kind: 'utc', utc: '2026-06-13T14:00:00Z' })).toBe(utc('2026-06-13T14:00:00Z'));
    expect(toInstantMs({ kind: 'date', date: '2026-06-13' })).toBe(utc('2026-06-13T00:00:00Z'));
    expect(toInstantMs({ kind: 'floating', local: '2026-06-13T09:30:00' })).toBe(utc('2026-06-13T09:30:00Z'));
  });
  it('reads zoned times through IANA, Windows-resolved iana and DST', () => {
    expect(toInstantMs({ kind: 'zoned', local: '2026-06-13T14:00:00', tzid: 'Europe/London' })).toBe(utc('2026-06-13T13:00:00Z'));
    expect(toInstantMs({ kind: 'zoned', local: '2026-01-13T14:00:00', tzid: 'Europe/London' })).toBe(utc('2026-01-13T14:00:00Z'));
    expect(toInstantMs({ kind: 'zoned', local: '2026-06-13T14:00:00', tzid: 'Pacific Standard Time', iana: 'America/Los_Angeles' })).toBe(
      utc('2026-06-13T21:00:00Z'),
    );
    expect(toInstantMs({ kind: 'zoned', local: '2026-06-13T14:00:00', tzid: 'Asia/Kathmandu' })).toBe(utc('2026-06-13T08:15:00Z'));
  });
  it('moves gap times forward and takes the first of ambiguous times', () => {
    // Europe/Berlin: 2026-03-29 02:00 → 03:00; 2026-10-25 03:00 → 02:00.
    expect(zoneLocalToUtcMs('Europe/Berlin', localToMs('2026-03-29T02:30:00'))).toBe(utc('2026-03-29T01:30:00Z'));
    expect(zoneLocalToUtcMs('Europe/Berlin', localToMs('2026-10-25T02:30:00'))).toBe(utc('2026-10-25T00:30:00Z'));
    expect(zoneLocalToUtcMs('Europe/Berlin', localToMs('2026-03-29T03:30:00'))).toBe(utc('2026-03-29T01:30:00Z'));
    expect(zoneLocalToUtcMs('Europe/Berlin', localToMs('2026-03-29T01:30:00'))).toBe(utc('2026-03-29T00:30:00Z'));
    expect(zoneLocalToUtcMs('Europe/Berlin', localToMs('2026-10-25T03:30:00'))).toBe(utc('2026-10-25T02:30:00Z'));
  });
  it('handles offsets before year 100 and BC-era dates', () => {
    // Year 50 (Date.UTC would read 50 as 1950): Tokyo's offset then was its LMT, +09:18:59.
    const year50 = new Date(0).setUTCFullYear(50, 0, 1);
    expect(zoneOffsetMs('Asia/Tokyo', year50)).toBe((9 * 3600 + 18 * 60 + 59) * 1000);
    const bc = new Date(0).setUTCFullYear(-5, 0, 1);
    expect(zoneOffsetMs('UTC', bc)).toBe(0);
    expect(utcToZoneLocalMs('Asia/Tokyo', utc('2026-01-01T00:00:00Z'))).toBe(utc('2026-01-01T09:00:00Z'));
  });
  it('uses registered VTIMEZONE rules for non-IANA TZIDs, else treats the zone as UTC', () => {
    registerZoneRules('My Custom Zone', { utcFromLocal: (ms) => ms - 3_600_000 });
    expect(toInstantMs({ kind: 'zoned', local: '2026-06-13T14:00:00', tzid: 'My Custom Zone' })).toBe(utc('2026-06-13T13:00:00Z'));
    expect(toInstantMs({ kind: 'zoned', local: '2026-06-13T14:00:00', tzid: 'Unknown Zone' })).toBe(utc('2026-06-13T14:00:00Z'));
  });
  it('rejects malformed values with a typed error', () => {
    expect(() => toInstantMs({ kind: 'utc', utc: 'yesterday' })).toThrow(CalsyncError);
    expect(() => toInstantMs({ kind: 'utc', utc: '2026-06-13T14:00:00' })).toThrow(CalsyncError);
    expect(() => toInstantMs({ kind: 'floating', local: '13/06/2026' })).toThrow(CalsyncError);
    expect(() => addDays('2026-6-1', 1)).toThrow(CalsyncError);
  });
});

describe('sameTime and compareTime', () => {
  const london: EventTime = { kind: 'zoned', local: '2026-06-13T14:00:00', tzid: 'Europe/London' };
  it('equates zones by instant, not by name', () => {
    expect(sameTime(london, { kind: 'zoned', local: '2026-06-13T14:00:00', tzid: 'GMT Standard Time', iana: 'Europe/London' })).toBe(true);
    expect(sameTime(london, { kind: 'zoned', local: '2026-06-13T15:00:00', tzid: 'Europe/Paris' })).toBe(true);
    expect(sameTime(london, { kind: 'zoned', local: '2026-06-13T14:00:00', tzid: 'Europe/Paris' })).toBe(false);
  });
  it('requires the same form', () => {
    expect(sameTime(london, { kind: 'utc', utc: '2026-06-13T13:00:00Z' })).toBe(false);
    expect(sameTime({ kind: 'date', date: '2026-06-13' }, { kind: 'floating', local: '2026-06-13T00:00:00' })).toBe(false);
  });
  it('compares each form by its value', () => {
    expect(sameTime({ kind: 'date', date: '2026-06-13' }, { kind: 'date', date: '2026-06-13' })).toBe(true);
    expect(sameTime({ kind: 'date', date: '2026-06-13' }, { kind: 'date', date: '2026-06-14' })).toBe(false);
    expect(sameTime({ kind: 'floating', local: '2026-06-13T10:00' }, { kind: 'floating', local: '2026-06-13T10:00:00' })).toBe(true);
    expect(sameTime({ kind: 'utc', utc: '2026-06-13T10:00:00Z' }, { kind: 'utc', utc: '2026-06-13T10:00:00.000Z' })).toBe(true);
    expect(sameTime(undefined, undefined)).toBe(true);
    expect(sameTime(london, undefined)).toBe(false);
  });
  it('orders by instant', () => {
    expect(compareTime(london, { kind: 'utc', utc: '2026-06-13T13:30:00Z' })).toBe(-1);
    expect(compareTime({ kind: 'utc', utc: '2026-06-13T13:30:00Z' }, london)).toBe(1);
    expect(compareTime(london, { kind: 'utc', utc: '2026-06-13T13:00:00Z' })).toBe(0);
  });
});

describe('formatting and dates', () => {
  it('formats every form for humans', () => {
    expect(formatTime({ kind: 'date', date: '2026-06-13' })).toBe('2026-06-13 (all day)');
    expect(formatTime({ kind: 'floating', local: '2026-06-13T09:30:00' })).toBe('2026-06-13 09:30 (floating)');
    expect(formatTime({ kind: 'utc', utc: '2026-06-13T09:30:15Z' })).toBe('2026-06-13 09:30:15 UTC');
    expect(formatTime({ kind: 'zoned', local: '2026-06-13T09:30:00', tzid: 'GMT Standard Time', iana: 'Europe/London' })).toBe('2026-06-13 09:30 Europe/London');
    expect(formatTime({ kind: 'zoned', local: '2026-06-13T09:30:00', tzid: 'Custom' })).toBe('2026-06-13 09:30 Custom');
  });
  it('adds days across months, years and leap days', () => {
    expect(addDays('2026-01-31', 1)).toBe('2026-02-01');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2026-01-01', -1)).toBe('2025-12-31');
  });
  it('gives dates and effective ends', () => {
    expect(dateOf({ kind: 'utc', utc: '2026-06-13T23:30:00Z' })).toBe('2026-06-13');
    expect(dateOf({ kind: 'zoned', local: '2026-06-14T00:30:00', tzid: 'Europe/London' })).toBe('2026-06-14');
    expect(dateOf({ kind: 'floating', local: '2026-06-15T00:30:00' })).toBe('2026-06-15');
    expect(dateOf({ kind: 'date', date: '2026-06-16' })).toBe('2026-06-16');
    expect(effectiveEnd({ kind: 'date', date: '2026-06-13' })).toEqual({ kind: 'date', date: '2026-06-14' });
    const s: EventTime = { kind: 'utc', utc: '2026-06-13T10:00:00Z' };
    expect(effectiveEnd(s)).toBe(s);
    const e: EventTime = { kind: 'utc', utc: '2026-06-13T11:00:00Z' };
    expect(effectiveEnd(s, e)).toBe(e);
    expect(msToUtc(0)).toBe('1970-01-01T00:00:00Z');
  });
});
