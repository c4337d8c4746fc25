import { beforeEach, describe, expect, it } from 'vitest';
import { applyChoices, fromRemote, isUnionField, merge3 } from '../../src/sync/merge.js';
import { makeEvent, resetEventIds } from '../support/events.js';

beforeEach(() => resetEventIds());

describe('three-way merge', () => {
  it('merges edits of different fields from both sides', () => {
    const base = makeEvent();
    const r = merge3(base, { ...base, title: 'Hub title' }, { ...base, location: 'Remote place' });
    expect(r.conflicts).toEqual([]);
    expect(r.hubChanged).toEqual(['title']);
    expect(r.remoteChanged).toEqual(['location']);
    expect(r.merged.title).toBe('Hub title');
    expect(r.merged.location).toBe('Remote place');
  });
  it('reports the same field edited differently as a conflict, keeping the hub value meanwhile', () => {
    const base = makeEvent();
    const r = merge3(base, { ...base, title: 'A' }, { ...base, title: 'B' });
    expect(r.conflicts).toEqual(['title']);
    expect(r.merged.title).toBe('A');
  });
  it('does not report equal edits as a conflict', () => {
    const base = makeEvent();
    expect(merge3(base, { ...base, title: 'A' }, { ...base, title: 'A' }).conflicts).toEqual([]);
  });
  it('without a base, every differing field is a conflict', () => {
    const hub = makeEvent();
    const r = merge3(undefined, hub, { ...hub, title: 'B', location: 'C' });
    expect(r.conflicts).toEqual(['title', 'location']);
    expect(r.hubChanged).toEqual([]);
  });
  it('keeps hub identity, the higher sequence, the later modification and re-infers the kind', () => {
    const base = makeEvent({ wedding: { kind: 'other', kindSource: 'inferred' } });
    const r = merge3(base, { ...base, sequence: 2, lastModified: '2026-01-01T00:00:00Z' }, { ...base, uid: 'other', title: 'Wedding ceremony', sequence: 5, lastModified: '2026-02-01T00:00:00Z' });
    expect(r.merged).toMatchObject({ uid: base.uid, sequence: 5, lastModified: '2026-02-01T00:00:00Z', title: 'Wedding ceremony' });
    expect(r.merged.wedding.kind).toBe('ceremony');
  });
  it('keeps a kind WedSync set whatever the title becomes', () => {
    const base = makeEvent();
    expect(merge3(base, base, { ...base, title: 'Wedding ceremony' }).merged.wedding).toEqual(base.wedding);
  });
});

describe('choices', () => {
  const base = makeEvent({ categories: ['A'], attendees: [{ email: 'a@x.test' }], description: 'base' });
  const hub = { ...base, categories: ['A', 'H'], attendees: [{ email: 'a@x.test' }, { email: 'h@x.test' }], description: 'hub note', title: 'Hub' };
  const remote = { ...base, categories: ['R'], attendees: [{ email: 'A@X.test' }, { email: 'r@x.test' }], description: 'remote note', title: 'Remote' };
  const result = merge3(base, hub, remote);

  it('takes each conflicting field from the chosen side', () => {
    const e = applyChoices(result, hub, remote, { title: 'remote', categories: 'hub' });
    expect(e.title).toBe('Remote');
    expect(e.categories).toEqual(['A', 'H']);
  });
  it('unions list fields and keeps both notes', () => {
    const e = applyChoices(result, hub, remote, { categories: 'union', attendees: 'union', description: 'union', title: 'union' });
    expect(e.categories).toEqual(['A', 'H', 'R']);
    expect(e.attendees.map((a) => a.email)).toEqual(['a@x.test', 'h@x.test', 'r@x.test']);
    expect(e.description).toBe('hub note\n\nremote note');
    expect(e.title).toBe('Hub');
    expect(isUnionField('title')).toBe(false);
  });
  it('leaves an empty description alone when neither side has one', () => {
    const b = makeEvent({ description: 'x' });
    const h = { ...b, description: undefined };
    const r2 = { ...b, description: '' };
    const m = merge3(b, h, r2);
    expect(applyChoices(m, h, r2, { description: 'union' }).description).toBeUndefined();
  });
});

describe('fromRemote', () => {
  it('classifies an arriving event, keeping a kind WedSync set on the hub copy', () => {
    const e = makeEvent({ title: 'Wedding reception', wedding: { kind: 'other', kindSource: 'inferred' } });
    expect(fromRemote(e).wedding.kind).toBe('reception');
    expect(fromRemote(e, { kind: 'tasting', kindSource: 'wedsync' }).wedding.kind).toBe('tasting');
  });
});
