import { describe, expect, it } from 'vitest';
import { classify, EVENT_KINDS, isWeddingCritical, kindInferrer, priorityOf, priorityOfKind } from '../../src/model/priority.js';

describe('priority by kind', () => {
  it('maps wedding-critical kinds to high, meetings to medium, the rest to low', () => {
    expect(priorityOfKind('ceremony')).toBe('high');
    expect(priorityOfKind('reception')).toBe('high');
    expect(priorityOfKind('wedding_day_timeline')).toBe('high');
    expect(priorityOfKind('client_meeting')).toBe('medium');
    expect(priorityOfKind('venue_visit')).toBe('medium');
    expect(priorityOfKind('vendor_meeting')).toBe('medium');
    for (const kind of ['rehearsal', 'tasting', 'deadline', 'other'] as const) expect(priorityOfKind(kind)).toBe('low');
    expect(EVENT_KINDS).toHaveLength(10);
  });

  it('flags only high-priority events as wedding-critical', () => {
    expect(isWeddingCritical({ wedding: { kind: 'ceremony', kindSource: 'wedsync' } })).toBe(true);
    expect(isWeddingCritical({ wedding: { kind: 'tasting', kindSource: 'inferred' } })).toBe(false);
    expect(priorityOf({ wedding: { kind: 'venue_visit', kindSource: 'inferred' } })).toBe('medium');
  });
});

describe('kind inference', () => {
  const infer = kindInferrer();

  it.each([
    ['Smith & Jones wedding ceremony', 'ceremony'],
    ['Reception at the Grand Hall', 'reception'],
    ['Rehearsal dinner', 'rehearsal'],
    ['Menu tasting with chef', 'tasting'],
    ['Venue visit: Oak Barn', 'venue_visit'],
    ['Call with florist', 'vendor_meeting'],
    ['Initial consultation', 'client_meeting'],
    ['Final numbers deadline', 'deadline'],
    ['Dentist', 'other'],
  ] as const)('%s → %s', (title, kind) => {
    expect(infer(title, [])).toBe(kind);
  });

  it('matches whole words only and reads categories', () => {
    expect(infer('Bandwidth review', [])).toBe('other');
    expect(infer('Saturday', ['Ceremony'])).toBe('ceremony');
  });

  it('accepts custom rules', () => {
    const custom = kindInferrer([{ kind: 'tasting', keywords: ['degustation'] }]);
    expect(custom('Degustation evening', [])).toBe('tasting');
    expect(custom('Ceremony', [])).toBe('other');
  });

  it('keeps a kind WedSync set and re-infers an inferred one', () => {
    const set = classify({ title: 'Dentist', categories: [], wedding: { kind: 'ceremony', kindSource: 'wedsync', weddingId: 'w1' } });
    expect(set).toEqual({ kind: 'ceremony', kindSource: 'wedsync', weddingId: 'w1' });
    const inferred = classify({ title: 'Cake tasting', categories: [], wedding: { kind: 'ceremony', kindSource: 'inferred', weddingId: 'w1' } });
    expect(inferred).toEqual({ kind: 'tasting', kindSource: 'inferred', weddingId: 'w1' });
    expect(classify({ title: 'Reception', categories: [] })).toEqual({ kind: 'reception', kindSource: 'inferred' });
  });
});
