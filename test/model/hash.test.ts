import { describe, expect, it } from 'vitest';
import { hashEvent, stableStringify } from '../../src/model/hash.js';

describe('stable hashing', () => {
  it('ignores key order and undefined members', () => {
    expect(stableStringify({ b: 1, a: [1, { d: 2, c: undefined }] })).toBe('{"a":[1,{"d":2}],"b":1}');
    expect(hashEvent({ a: 1, b: 'x' })).toBe(hashEvent({ b: 'x', a: 1 }));
  });

  it('changes when a value changes', () => {
    expect(hashEvent({ a: 1 })).not.toBe(hashEvent({ a: 2 }));
    expect(stableStringify([undefined, null, 'x'])).toBe('[null,null,"x"]');
    expect(stableStringify(undefined)).toBe('null');
  });
});
