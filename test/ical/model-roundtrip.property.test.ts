/** Property test: for any model event, serialize → parse gives back exactly the modelled fields. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseIcal, serializeIcal } from '../../src/ical/index.js';
import type { Attendee, CalendarEvent, EventFields, EventOverride, EventTime } from '../../src/model/event.js';
import { EVENT_KINDS, classify } from '../../src/model/priority.js';
import { toInstantMs } from '../../src/model/time.js';
import { resolveTzid } from '../../src/model/timezones.js';

const pad = (n: number): string => String(n).padStart(2, '0');
const localArb = fc
  .record({ y: fc.integer({ min: 1990, max: 2040 }), mo: fc.integer({ min: 1, max: 12 }), d: fc.integer({ min: 1, max: 28 }), h: fc.integer({ min: 0, max: 23 }), mi: fc.integer({ min: 0, max: 59 }), s: fc.integer({ min: 0, max: 59 }) })
  .map(({ y, mo, d, h, mi, s }) => `${y}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:${pad(s)}`);
const TZIDS = ['Europe/London', 'America/New_York', 'W. Europe Standard Time', 'Pacific Standard Time', '/freeassociation.sourceforge.net/Tzfile/Europe/Paris', 'Asia/Kolkata', 'Australia/Lord_Howe'];
const timeArb: fc.Arbitrary<EventTime> = fc.oneof(
  localArb.map((l) => ({ kind: 'date' as const, date: l.slice(0, 10) })),
  localArb.map((l) => ({ kind: 'floating' as const, local: l })),
  localArb.map((l) => ({ kind: 'utc' as const, utc: `${l}Z` })),
  fc.tuple(localArb, fc.constantFrom(...TZIDS)).map(([local, tzid]) => ({ kind: 'zoned' as const, local, tzid, iana: resolveTzid(tzid)! })),
);
// Any text without control characters other than LF and TAB (CR is normalized; see write-event.ts).
const textArb = fc.string({ unit: fc.oneof(fc.constantFrom('\n', '\t', ',', ';', '\\', ':', '"', "'", 'é', '💍', ' '), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })), maxLength: 40 }).filter(
  // eslint-disable-next-line no-control-regex
  (s) => !/[\x00-\x08\x0b-\x1f\x7f\r]/.test(s),
);
// ical.js reads a backslash in a parameter value as an escape, so names (CN) exclude it.
const nameArb = textArb.filter((s) => !s.includes('\\'));
const emailArb = fc.tuple(fc.stringMatching(/^[a-z0-9][a-z0-9.]{0,8}$/), fc.stringMatching(/^[a-z]{1,8}\.[a-z]{2,3}$/)).map(([u, d]) => `${u}@${d}`);
const utcArb = localArb.map((l) => `${l}Z`);

const attendeesArb: fc.Arbitrary<Attendee[]> = fc.uniqueArray(
  fc.record(
    {
      email: emailArb,
      name: nameArb,
      role: fc.constantFrom('required', 'optional', 'chair', 'non-participant', 'resource') as fc.Arbitrary<Attendee['role']>,
      status: fc.constantFrom('needs-action', 'accepted', 'declined', 'tentative', 'delegated') as fc.Arbitrary<Attendee['status']>,
      rsvp: fc.boolean(),
    },
    { requiredKeys: ['email'] },
  ),
  { selector: (a) => a.email.toLowerCase(), maxLength: 4 },
);

const fieldsArb: fc.Arbitrary<EventFields> = fc.record(
  {
    title: textArb,
    description: textArb,
    location: textArb,
    start: timeArb,
    end: timeArb,
    status: fc.constantFrom('confirmed', 'tentative', 'cancelled') as fc.Arbitrary<EventFields['status']>,
    organizer: fc.record({ email: emailArb, name: nameArb }, { requiredKeys: ['email'] }),
    attendees: attendeesArb,
    categories: fc.array(textArb.filter((s) => s !== ''), { maxLength: 3 }),
    transparency: fc.constantFrom('opaque', 'transparent') as fc.Arbitrary<EventFields['transparency']>,
    showAs: fc.constantFrom('free', 'tentative', 'busy', 'oof', 'workingElsewhere', 'unknown') as fc.Arbitrary<EventFields['showAs']>,
    sensitivity: fc.constantFrom('normal', 'personal', 'private', 'confidential') as fc.Arbitrary<EventFields['sensitivity']>,
    sequence: fc.nat({ max: 1000 }),
    created: utcArb,
    lastModified: utcArb,
  },
  { requiredKeys: ['title', 'start', 'attendees', 'categories', 'sequence'] },
);

const RRULES = ['FREQ=DAILY;COUNT=5', 'FREQ=WEEKLY;BYDAY=MO,WE', 'FREQ=MONTHLY;BYMONTHDAY=-1;INTERVAL=2', 'FREQ=YEARLY;BYMONTH=6;BYDAY=3SA'];

const eventArb: fc.Arbitrary<CalendarEvent> = fc
  .tuple(
    fc.stringMatching(/^[A-Za-z0-9@._-]{1,30}$/),
    fieldsArb,
    fc.option(fc.record({ rrules: fc.subarray(RRULES, { minLength: 1, maxLength: 2 }), rdates: fc.array(timeArb, { maxLength: 2 }), exdates: fc.array(timeArb, { maxLength: 2 }) }), { nil: undefined }),
    fc.uniqueArray(fc.tuple(timeArb, fieldsArb), { selector: ([rid]) => `${rid.kind}${toInstantMs(rid)}`, maxLength: 3 }),
    fc.option(
      fc.record({ kind: fc.constantFrom(...EVENT_KINDS), weddingId: fc.stringMatching(/^[\w -]{0,12}$/), weddingDate: localArb.map((l) => l.slice(0, 10)), emergency: fc.boolean() }, { requiredKeys: ['kind'] }),
      { nil: undefined },
    ),
  )
  .map(([uid, fields, recurrence, overrides, wedsync]) => {
    const o: EventOverride[] = overrides
      .map(([recurrenceId, f]) => ({ ...f, recurrenceId }))
      .sort((a, b) => toInstantMs(a.recurrenceId) - toInstantMs(b.recurrenceId));
    const base = { ...fields, uid, overrides: o };
    const wedding = wedsync ? classify({ ...base, wedding: { ...wedsync, kindSource: 'wedsync' } }) : classify(base);
    return { ...base, wedding, ...(recurrence ? { recurrence } : {}) };
  });

/** The modelled part of an event: everything but `extra`, in overrides too. */
function modelled(e: CalendarEvent): unknown {
  const { extra: _extra, overrides, ...rest } = e;
  return { ...rest, overrides: overrides.map(({ extra: _x, ...o }) => o) };
}

describe('serialize → parse', () => {
  it('is the identity on modelled fields', () => {
    fc.assert(
      fc.property(eventArb, fc.option(fc.stringMatching(/^[a-f0-9]{8}$/), { nil: undefined }), (event, hubId) => {
        const text = serializeIcal([event], hubId === undefined ? {} : { hubId });
        const parsed = parseIcal(text);
        expect(parsed.problems).toEqual([]);
        expect(parsed.items).toHaveLength(1);
        const item = parsed.items[0]!;
        expect(item.hubId).toBe(hubId);
        expect(modelled(item.event)).toEqual(modelled(event));
      }),
      { numRuns: 300 },
    );
  });
  it('normalizes carriage returns in text to line feeds', () => {
    const e = parseIcal(serializeIcal([{ uid: 'u', title: 'a\r\nb\rc', description: 'x\r\ny', start: { kind: 'date', date: '2026-01-01' }, attendees: [], categories: ['p\r\nq'], sequence: 0, overrides: [], wedding: { kind: 'other', kindSource: 'inferred' } }])).items[0]!.event;
    expect([e.title, e.description, e.categories]).toEqual(['a\nb\nc', 'x\ny', ['p\nq']]);
  });
});
