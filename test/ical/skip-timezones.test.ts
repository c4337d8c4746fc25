/**
 * `skipKnownTimezones` (what the CalDAV listing uses): the VTIMEZONEs of zones calsync knows by name are
 * not parsed, and the items and problems come out exactly as without it — over our fixtures and the
 * shared real-world corpus.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseIcal } from '../../src/ical/index.js';
import { fixture, ics } from './helpers.js';

const CORPUS = '/work/shared/corpus/ics';
const FIXTURES = ['all-day.ics', 'apple-xprops-valarm.ics', 'calsync-wedding.ics', 'floating-lf-blank-lines.ics', 'folding-multibyte.ics', 'google-recurring-override.ics', 'masterless-overrides.ics', 'non-ascii-tzid.ics', 'outlook-windows-tzid.ics'];

function outcome(text: string, skipKnownTimezones: boolean): unknown {
  try {
    const parsed = parseIcal(text, { skipKnownTimezones });
    return { items: parsed.items, problems: parsed.problems };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

const LONDON = ['BEGIN:VTIMEZONE', 'TZID:Europe/London', 'BEGIN:STANDARD', 'DTSTART:19701025T020000', 'TZOFFSETFROM:+0100', 'TZOFFSETTO:+0000', 'END:STANDARD', 'END:VTIMEZONE'];
const CUSTOM = ['BEGIN:VTIMEZONE', 'TZID:Planner Time', 'BEGIN:STANDARD', 'DTSTART:19700101T000000', 'TZOFFSETFROM:+0300', 'TZOFFSETTO:+0300', 'END:STANDARD', 'END:VTIMEZONE'];
const event = (tzid: string): string[] => ['BEGIN:VEVENT', 'UID:u1', 'DTSTAMP:20260101T000000Z', `DTSTART;TZID=${tzid}:20260610T140000`, `DTEND;TZID=${tzid}:20260610T150000`, 'SUMMARY:Tasting', 'END:VEVENT'];

describe('parseIcal with skipKnownTimezones', () => {
  it('gives the same items and problems on every fixture', () => {
    for (const name of FIXTURES) expect(outcome(fixture(name), true), name).toEqual(outcome(fixture(name), false));
  });

  it.skipIf(!existsSync(CORPUS))('gives the same items, problems and errors on the shared corpus', () => {
    const files = readdirSync(CORPUS, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ics'));
    expect(files.length).toBeGreaterThan(100);
    for (const file of files) {
      const text = readFileSync(join(CORPUS, file), 'utf8');
      expect(outcome(text, true), file).toEqual(outcome(text, false));
    }
  });

  it('leaves out the VTIMEZONE of a known zone but keeps and uses a custom one', () => {
    const text = ics('BEGIN:VCALENDAR', 'VERSION:2.0', ...LONDON, ...CUSTOM, ...event('Planner Time'), 'END:VCALENDAR');
    const skipped = parseIcal(text, { skipKnownTimezones: true });
    expect([...skipped.timezones.keys()]).toEqual(['Planner Time']);
    expect([...parseIcal(text).timezones.keys()]).toEqual(['Europe/London', 'Planner Time']);
    expect(skipped.items[0]?.event.start).toMatchObject({ kind: 'zoned', tzid: 'Planner Time' });
    expect(skipped.items).toEqual(parseIcal(text).items);
  });

  it('cuts a known zone wherever it stands in a VCALENDAR, LF or CRLF, but keeps a stray one (a finding of its own)', () => {
    const lf = ['BEGIN:VCALENDAR', ...event('Europe/London'), ...LONDON, 'END:VCALENDAR'].join('\n');
    expect(outcome(lf, true)).toEqual(outcome(lf, false));
    expect(parseIcal(lf, { skipKnownTimezones: true }).timezones.size).toBe(0);
    const stray = ics('BEGIN:VCALENDAR', ...event('Europe/London'), 'END:VCALENDAR', ...LONDON);
    expect(outcome(stray, true)).toEqual(outcome(stray, false));
    expect(parseIcal(stray, { skipKnownTimezones: true }).problems.map((p) => p.code)).toEqual(['STRAY_COMPONENT']);
    const alone = LONDON.join('\r\n');
    expect(outcome(alone, true)).toEqual(outcome(alone, false));
  });

  it('leaves blocks it cannot read plainly to the parser: folded or parameterized TZID, a nested or unterminated block', () => {
    const folded = ['BEGIN:VTIMEZONE', 'TZID:Europe/', ' London', ...LONDON.slice(2)];
    const withParam = ['BEGIN:VTIMEZONE', 'TZID;X-A=1:Europe/London', ...LONDON.slice(2)];
    for (const block of [folded, withParam]) {
      const text = ics('BEGIN:VCALENDAR', ...block, ...event('Europe/London'), 'END:VCALENDAR');
      expect(parseIcal(text, { skipKnownTimezones: true }).timezones.has('Europe/London')).toBe(true);
      expect(outcome(text, true)).toEqual(outcome(text, false));
    }
    const nested = ics('BEGIN:VCALENDAR', 'BEGIN:VTIMEZONE', ...LONDON, 'END:VTIMEZONE', ...event('Europe/London'), 'END:VCALENDAR');
    expect(outcome(nested, true)).toEqual(outcome(nested, false));
    const unterminated = ics('BEGIN:VCALENDAR', ...event('Europe/London'), ...LONDON.slice(0, -1), 'END:VCALENDAR');
    expect(outcome(unterminated, true)).toEqual(outcome(unterminated, false));
  });

  it('does not read a known zone it skipped, so a broken copy of one no longer fails the resource', () => {
    const broken = ['BEGIN:VTIMEZONE', 'TZID:Europe/London', 'BEGIN:STANDARD', 'GARBAGE LINE', 'END:STANDARD', 'END:VTIMEZONE'];
    const text = ics('BEGIN:VCALENDAR', ...broken, ...event('Europe/London'), 'END:VCALENDAR');
    expect(() => parseIcal(text)).toThrow(/GARBAGE LINE/);
    expect(parseIcal(text, { skipKnownTimezones: true }).items[0]?.event.start).toMatchObject({ kind: 'zoned', iana: 'Europe/London' });
  });
});
