/** Broken, hostile and oversized input: typed errors or bounded results, never a crash. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseIcal, roundTripIcal, serializeIcal } from '../../src/ical/index.js';
import { CalsyncError, IcalParseError } from '../../src/errors.js';
import { ics, vevent } from './helpers.js';

function parseError(text: string): IcalParseError {
  try {
    parseIcal(text);
  } catch (err) {
    expect(err).toBeInstanceOf(IcalParseError);
    return err as IcalParseError;
  }
  throw new Error('expected a parse error');
}

describe('typed rejections', () => {
  it('names the line of a line without a colon', () => {
    const err = parseError(ics('BEGIN:VCALENDAR', 'VERSION:2.0', 'BEGIN:VEVENT', 'UID:a', 'GARBAGE', 'END:VEVENT', 'END:VCALENDAR'));
    expect(err.code).toBe('ICAL_PARSE');
    expect(err.line).toBe(5);
    expect(err.reason).toContain('GARBAGE');
  });
  it('names the component left open', () => {
    const err = parseError(ics('BEGIN:VCALENDAR', 'VERSION:2.0', 'BEGIN:VEVENT', 'UID:a'));
    expect(err.line).toBe(3);
    expect(err.reason).toBe('BEGIN:VEVENT is never closed');
  });
  it('names a stray END', () => {
    const err = parseError(ics('END:VEVENT', 'BEGIN:VCALENDAR', 'END:VCALENDAR'));
    expect(err.line).toBe(1);
  });
  it('counts physical lines across folds', () => {
    const err = parseError(ics('BEGIN:VCALENDAR', 'X-LONG:aaaa', ' bbbb', 'ORGANIZER;CN=No value', 'END:VCALENDAR'));
    expect(err.line).toBe(4);
  });
  it('rejects empty input and text that is not iCalendar', () => {
    expect(parseError('').reason).toBe('no iCalendar component found');
    expect(parseError('hello world').code).toBe('ICAL_PARSE');
  });
  it('rejects input over 10 MB with ICAL_TOO_LARGE, counting UTF-8 bytes', () => {
    const big = vevent('UID:a', 'DTSTART:20260101T000000Z', `DESCRIPTION:${'x'.repeat(10 * 1024 * 1024)}`);
    expect(() => parseIcal(big)).toThrow(expect.objectContaining({ code: 'ICAL_TOO_LARGE' }));
    const multibyte = vevent('UID:a', 'DTSTART:20260101T000000Z', `DESCRIPTION:${'€'.repeat(4 * 1024 * 1024)}`);
    expect(() => parseIcal(multibyte)).toThrow(expect.objectContaining({ code: 'ICAL_TOO_LARGE' }));
    expect(parseIcal(multibyte, { maxBytes: 20 * 1024 * 1024 }).items).toHaveLength(1);
  });
});

describe('tolerated and kept', () => {
  it('keeps VEVENTs without UID or usable DTSTART verbatim, with a problem', () => {
    const parsed = parseIcal(
      ics('BEGIN:VCALENDAR', 'BEGIN:VEVENT', 'SUMMARY:no uid', 'DTSTART:20260101T000000Z', 'END:VEVENT', 'BEGIN:VEVENT', 'UID:b', 'DTSTART:20220101', 'END:VEVENT', 'END:VCALENDAR'),
    );
    expect(parsed.items).toEqual([]);
    expect(parsed.components).toHaveLength(2);
    expect(parsed.problems.map((p) => p.code)).toEqual(['UNMODELLED_EVENT', 'UNMODELLED_EVENT']);
  });
  it('keeps a second copy of the same UID verbatim', () => {
    const e = ['BEGIN:VEVENT', 'UID:dup', 'DTSTART:20260101T000000Z', 'END:VEVENT'];
    const parsed = parseIcal(ics('BEGIN:VCALENDAR', ...e, ...e, 'END:VCALENDAR'));
    expect(parsed.items).toHaveLength(1);
    expect(parsed.problems).toEqual([{ code: 'DUPLICATE_EVENT', message: 'second VEVENT for UID dup kept verbatim', uid: 'dup' }]);
  });
  it('accepts components outside a VCALENDAR and several VCALENDARs', () => {
    const parsed = parseIcal(ics('BEGIN:VEVENT', 'UID:a', 'DTSTART:20260101T000000Z', 'END:VEVENT', 'BEGIN:VCALENDAR', 'X-A:1', 'END:VCALENDAR', 'BEGIN:VCALENDAR', 'X-A:1', 'X-B:2', 'END:VCALENDAR'));
    expect(parsed.items.map((i) => i.uid)).toEqual(['a']);
    expect(parsed.problems.map((p) => p.code)).toEqual(['STRAY_COMPONENT']);
    expect(parsed.properties.map((p) => p[0])).toEqual(['x-a', 'x-b']);
  });
  it('keeps unreadable values raw instead of mangling them', () => {
    const parsed = parseIcal(vevent('UID:a', 'DTSTART:20260101T000000Z', 'SEQUENCE:01', 'EXDATE:2026garbage', 'RRULE:FREQ=WEEKLY;', 'CREATED:20260101T000000'));
    const e = parsed.items[0]!.event;
    expect(e.sequence).toBe(0);
    expect(e.recurrence).toBeUndefined();
    expect(e.created).toBeUndefined();
    const kept = (e.extra?.properties ?? []) as unknown[][];
    expect(kept.map((p) => p[0])).toEqual(['created', 'exdate', 'rrule', 'sequence']);
  });
  it('flags VTIMEZONEs that cannot be used and ignores absurd observance rules', () => {
    const parsed = parseIcal(
      ics('BEGIN:VCALENDAR', 'BEGIN:VTIMEZONE', 'TZID:Bad', 'BEGIN:STANDARD', 'DTSTART:19700101T000000', 'RRULE:FREQ=SECONDLY', 'TZOFFSETFROM:+0100', 'TZOFFSETTO:+0100', 'END:STANDARD', 'END:VTIMEZONE', 'BEGIN:VTIMEZONE', 'END:VTIMEZONE', 'BEGIN:VEVENT', 'UID:a', 'DTSTART;TZID=Bad:20260101T100000', 'END:VEVENT', 'END:VCALENDAR'),
    );
    expect(parsed.problems.map((p) => p.code)).toEqual(['BAD_VTIMEZONE', 'BAD_VTIMEZONE']);
    expect(parsed.items[0]!.problems.map((p) => p.code)).toEqual(['UNKNOWN_TZID']);
  });
  it('ignores an impossible DURATION rather than overflowing', () => {
    const e = parseIcal(vevent('UID:a', 'DTSTART:20260101T000000Z', 'DURATION:P999999999999999999W')).items[0]!.event;
    expect(e.end).toBeUndefined();
  });
});

describe('fuzz: nothing but CalsyncError ever escapes', () => {
  const lineArb = fc.oneof(
    fc.constantFrom('BEGIN:VCALENDAR', 'END:VCALENDAR', 'BEGIN:VEVENT', 'END:VEVENT', 'BEGIN:VTIMEZONE', 'END:VTIMEZONE', 'BEGIN:VALARM', 'END:VALARM', 'UID:x', 'UID:y', ''),
    fc.constantFrom('DTSTART', 'DTEND', 'RECURRENCE-ID', 'RRULE', 'EXDATE', 'RDATE', 'DURATION', 'SEQUENCE', 'ATTENDEE', 'TZID', 'X-CALSYNC-KIND').chain((name) =>
      fc.tuple(fc.constantFrom('', ';TZID=Europe/London', ';VALUE=DATE', ';TZID=Nowhere', ';CN="a:b"', ';X='), fc.string({ maxLength: 30 })).map(([p, v]) => `${name}${p}:${v}`),
    ),
    fc.string({ maxLength: 40 }),
  );
  it('holds for random line soup', () => {
    fc.assert(
      fc.property(fc.array(lineArb, { maxLength: 40 }), (ls) => {
        try {
          const text = ics('BEGIN:VCALENDAR', ...ls, 'END:VCALENDAR');
          const parsed = parseIcal(text);
          // Whatever was accepted also writes and round-trips without loss.
          expect(roundTripIcal(text).differences).toEqual([]);
          expect(typeof serializeIcal(parsed.items.map((i) => i.event))).toBe('string');
        } catch (err) {
          if (!(err instanceof CalsyncError)) throw err;
        }
      }),
      { numRuns: 400 },
    );
  });
  const propArb = fc
    .tuple(
      fc.constantFrom('DTEND', 'RECURRENCE-ID', 'RRULE', 'EXDATE', 'RDATE', 'DURATION', 'SEQUENCE', 'ATTENDEE', 'ORGANIZER', 'STATUS', 'CLASS', 'CATEGORIES', 'SUMMARY', 'X-CALSYNC-KIND', 'X-MICROSOFT-CDO-BUSYSTATUS', 'CREATED', 'X-FOO'),
      fc.constantFrom('', ';TZID=Europe/London', ';VALUE=DATE', ';TZID=Nowhere', ';CN=A', ';ROLE=CHAIR', ';X-P=1', ';VALUE=PERIOD'),
      fc.oneof(
        fc.constantFrom('20260102T100000Z', '20260102T100000', '20260103', 'PT1H', 'P1D', 'FREQ=DAILY;COUNT=3', 'mailto:a@b.c', 'CONFIRMED', 'PRIVATE', 'ceremony', 'BUSY', '5', 'a,b'),
        fc.string({ maxLength: 20 }),
      ),
    )
    .map(([name, param, value]) => `${name}${param}:${value}`);
  it('holds for events with random properties, and what is accepted round-trips', () => {
    let modelled = 0;
    fc.assert(
      fc.property(fc.array(propArb, { maxLength: 12 }), fc.boolean(), (props, zoned) => {
        const text = vevent('UID:x', zoned ? 'DTSTART;TZID=Europe/London:20260101T100000' : 'DTSTART:20260101T100000Z', ...props);
        try {
          const round = roundTripIcal(text);
          modelled += round.parsed.items.length;
          expect(round.differences).toEqual([]);
        } catch (err) {
          if (!(err instanceof CalsyncError)) throw err;
        }
      }),
      { numRuns: 400 },
    );
    // The generator must actually reach the modelling code, or this test proves nothing.
    expect(modelled).toBeGreaterThan(100);
  });
});
