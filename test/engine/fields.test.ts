import { beforeEach, describe, expect, it } from 'vitest';
import { changedFields, matchKey, sameContent, sameField, withField, isMergeField } from '../../src/sync/fields.js';
import { date, makeEvent, makeRecurringEvent, resetEventIds, utc, withExtra, zoned } from '../support/events.js';

beforeEach(() => resetEventIds());

describe('per-field equality', () => {
  it('compares times as instants: a Windows zone name equals its IANA zone, a UTC rendering does not match a zoned one', () => {
    const a = makeEvent({ start: zoned('2026-06-20T15:00:00', 'Europe/London') });
    const b = { ...a, start: zoned('2026-06-20T15:00:00', 'GMT Standard Time', 'Europe/London') };
    expect(sameField('start', a, b)).toBe(true);
    expect(sameField('start', a, { ...a, start: zoned('2026-06-20T16:00:00') })).toBe(false);
    expect(sameField('start', a, { ...a, start: utc('2026-06-20T14:00:00Z') })).toBe(false);
    expect(sameField('end', a, { ...a, end: undefined })).toBe(false);
  });
  it('treats attendees and categories as sets (order and e-mail case do not matter)', () => {
    const a = makeEvent({ attendees: [{ email: 'A@x.test' }, { email: 'b@x.test' }], categories: ['x', 'y'] });
    const b = { ...a, attendees: [{ email: 'b@x.test' }, { email: 'a@x.test' }], categories: ['y', 'x'] };
    expect(sameField('attendees', a, b)).toBe(true);
    expect(sameField('categories', a, b)).toBe(true);
    expect(sameField('attendees', a, { ...a, attendees: [{ email: 'c@x.test' }, { email: 'b@x.test' }] })).toBe(false);
    expect(sameField('categories', a, { ...a, categories: ['x'] })).toBe(false);
  });
  it('ignores server stamps (DTSTAMP, LAST-MODIFIED) in unmodelled properties, not other properties', () => {
    const a = withExtra(makeEvent());
    const props = a.extra?.properties ?? [];
    const stamped = { ...a, extra: { ...a.extra, properties: [...props, ['dtstamp', {}, 'date-time', '2026-01-01T00:00:00Z']] } };
    expect(sameField('extra', a, stamped)).toBe(true);
    expect(sameField('extra', a, { ...a, extra: { ...a.extra, properties: props.slice(1) } })).toBe(false);
    expect(sameField('extra', makeEvent(), { ...makeEvent(), extra: { properties: [['dtstamp', {}, 'date-time', 'x']] } })).toBe(true);
  });
  it('compares recurrence and overrides as sets keyed by time, ignoring override bookkeeping', () => {
    const a = makeRecurringEvent();
    const rec = a.recurrence;
    if (!rec) throw new Error('recurring');
    expect(sameField('recurrence', a, { ...a, recurrence: { ...rec, exdates: [...rec.exdates].reverse() } })).toBe(true);
    expect(sameField('recurrence', a, { ...a, recurrence: { ...rec, exdates: [] } })).toBe(false);
    expect(sameField('recurrence', a, { ...a, recurrence: undefined })).toBe(false);
    const overrides = a.overrides.map((o) => ({ ...o, sequence: 9, lastModified: '2026-01-01T00:00:00Z' }));
    expect(sameField('overrides', a, { ...a, overrides })).toBe(true);
    expect(sameField('overrides', a, { ...a, overrides: a.overrides.map((o) => ({ ...o, start: zoned('2026-06-16T20:00:00') })) })).toBe(false);
    expect(sameField('overrides', a, { ...a, overrides: [] })).toBe(false);
  });
  it('compares the organizer by lower-cased e-mail', () => {
    const a = makeEvent({ organizer: { email: 'P@x.test' } });
    expect(sameField('organizer', a, { ...a, organizer: { email: 'p@x.test' } })).toBe(true);
    expect(sameField('organizer', a, { ...a, organizer: undefined })).toBe(false);
  });
});

describe('whole events', () => {
  it('lists changed fields and ignores bookkeeping (sequence, lastModified, wedding)', () => {
    const a = makeEvent();
    expect(changedFields(a, { ...a, sequence: 5, lastModified: '2026-01-01T00:00:00Z', wedding: { kind: 'ceremony', kindSource: 'wedsync' } })).toEqual([]);
    expect(changedFields(a, { ...a, title: 'x', location: 'y' })).toEqual(['title', 'location']);
    expect(sameContent(a, { ...a, description: undefined })).toBe(false);
  });
  it('copies one field, removing it when absent in the source', () => {
    const a = makeEvent();
    expect(withField(a, 'title', { ...a, title: 'New' }).title).toBe('New');
    expect('description' in withField(a, 'description', { ...a, description: undefined })).toBe(false);
    expect(isMergeField('title')).toBe(true);
    expect(isMergeField('uid')).toBe(false);
  });
  it('matches on folded title and start instant for first-sync pairing', () => {
    const a = makeEvent({ title: '  Venue   Visit ', start: zoned('2026-06-20T15:00:00') });
    expect(matchKey(a)).toBe(matchKey({ title: 'venue visit', start: utc('2026-06-20T14:00:00Z') }));
    expect(matchKey({ title: 'x', start: date('2026-06-20') })).toBe('x|2026-06-20');
  });
});
