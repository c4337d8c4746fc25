import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalWithHash, hashEvent, stableStringify } from '../../src/model/hash.js';
import { makeEvent, makeRecurringEvent, withExtra } from '../support/events.js';

/** The straightforward definition the fast implementation must match byte for byte. */
function reference(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : reference(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${reference(v)}`).join(',')}}`;
}

/** JSON-ish values with `undefined` members and holes, the cases where the two could differ. */
const value = fc.letrec((tie) => ({
  leaf: fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined)),
  arr: fc.array(tie('any'), { maxLength: 4 }),
  obj: fc.dictionary(fc.string({ maxLength: 6 }), tie('any'), { maxKeys: 5 }),
  any: fc.oneof({ depthSize: 'small' }, tie('leaf'), tie('arr'), tie('obj')),
})).any;

describe('canonical JSON', () => {
  it('matches the reference definition byte for byte on arbitrary values', () => {
    fc.assert(
      fc.property(value, (v) => {
        expect(stableStringify(v)).toBe(reference(v));
      }),
      { numRuns: 500 },
    );
  });

  it('hashes events exactly like hashEvent', () => {
    for (const event of [makeEvent(), makeRecurringEvent(), withExtra(makeEvent()), { ...makeEvent(), description: undefined }]) {
      expect(canonicalWithHash(event)).toEqual({ text: stableStringify(event), hash: hashEvent(event) });
    }
  });

  it('orders keys by UTF-16 code units and drops undefined members', () => {
    expect(stableStringify({ b: 1, a: [undefined, { d: undefined, c: 'x' }], é: true, Z: null })).toBe('{"Z":null,"a":[null,{"c":"x"}],"b":1,"é":true}');
    expect(stableStringify(undefined)).toBe('null');
  });
});
