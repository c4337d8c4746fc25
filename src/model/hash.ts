/**
 * Stable content hashes of events: the same event always hashes the same, whatever the key order of the
 * JSON it came from. Used for link bases (`baseHash`) and echo detection. Link bases are serialized and
 * hashed on every link write, so this is written for speed (no per-object entry arrays).
 */
import { hash } from 'node:crypto';

/** Returned by `sortedCopy` for a value the fast path cannot reproduce byte for byte. */
const SLOW = Symbol('slow');

/**
 * A plain copy of `value` whose objects have their keys inserted in sorted order and `undefined` members
 * dropped, for one native `JSON.stringify`: much cheaper than concatenating the text in JS, and the text
 * comes out flat (a concatenated rope must be flattened again by every hash and database write). Keys
 * starting with a digit (V8 puts array-index keys first, whatever the insertion order) and `__proto__`
 * (an assignment would set the prototype) are left to the slow path.
 */
function sortedCopy(value: unknown): unknown {
  if (value === null || typeof value !== 'object') {
    // What the slow path writes for them: `null` (a member too, unlike JSON.stringify, which drops it).
    return typeof value === 'function' || typeof value === 'symbol' ? null : value;
  }
  if (Array.isArray(value)) {
    const out: unknown[] = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i += 1) {
      const item: unknown = value[i];
      const copy = item === undefined ? null : sortedCopy(item);
      if (copy === SLOW) return SLOW;
      out[i] = copy;
    }
    return out;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length > 1) keys.sort();
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const item = record[key];
    if (item === undefined) continue;
    const first = key.charCodeAt(0);
    if ((first >= 48 && first <= 57) || key === '__proto__') return SLOW;
    const copy = sortedCopy(item);
    if (copy === SLOW) return SLOW;
    out[key] = copy;
  }
  return out;
}

/** The definition, written out: used for the values `sortedCopy` cannot take. */
function stringifySlow(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i += 1) {
      if (i > 0) out += ',';
      const item: unknown = value[i];
      out += item === undefined ? 'null' : stringifySlow(item);
    }
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const item = record[key];
    if (item === undefined) continue;
    if (!first) out += ',';
    first = false;
    out += `${JSON.stringify(key)}:${stringifySlow(item)}`;
  }
  return `${out}}`;
}

/** JSON with object keys sorted (UTF-16 code-unit order) and `undefined` members dropped. */
export function stableStringify(value: unknown): string {
  const copy = sortedCopy(value);
  if (copy === SLOW) return stringifySlow(value);
  return JSON.stringify(copy) ?? 'null';
}

function sha256(text: string): string {
  // One-shot hashing: no Hash object per call (a 10,000-event import hashes every link base).
  return hash('sha256', text, 'base64url');
}

export function hashValue(value: unknown): string {
  return sha256(stableStringify(value));
}

export const hashEvent: (event: unknown) => string = hashValue;

/** The canonical text of a value and its hash in one pass (stores keep the text and index the hash). */
export function canonicalWithHash(value: unknown): { text: string; hash: string } {
  const text = stableStringify(value);
  return { text, hash: sha256(text) };
}
