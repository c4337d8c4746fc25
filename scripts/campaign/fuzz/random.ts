/** The hostile values the fuzzers draw from, on the campaigns' seeded generator. Reproducible by seed. */
import { Rng as CampaignRng } from '../rng.js';

/** The campaigns' seeded generator, with the fuzzers' hostile draws on top. */
export class Rng extends CampaignRng {
  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i += 1) out[i] = this.int(256);
    return out;
  }

  /** A printable-ish string with control characters, quotes, unicode and the odd NUL. */
  text(maxLength = 40): string {
    const alphabet = ['a', 'Z', '0', ' ', '"', "'", '<', '>', '&', '\\', '/', '%', '\u0000', '\u0001', '\n', '\r', '\t', 'é', '😀', '\ud800', '\u202e', '{', '}', '[', ']', ':', ',', '$', '`'];
    let s = '';
    const n = this.int(maxLength + 1);
    for (let i = 0; i < n; i += 1) s += this.pick(alphabet);
    return s;
  }
}

/** Values for path parameters and query strings (already URL-encoded where they must be). */
export const HOSTILE_SEGMENTS: readonly string[] = [
  '',
  '%00',
  'a%00b',
  '..%2F..%2Fetc%2Fpasswd',
  '%2e%2e%2f',
  '%ff%fe',
  '%E0%A4%A',
  '%',
  'x'.repeat(5_000),
  '%F0%9F%98%80',
  "'%20OR%201%3D1%20--",
  '%24%7Bjndi%3Aldap%3A%2F%2F127.0.0.1%2Fa%7D',
  '__proto__',
  'constructor',
  '-1',
  '1e309',
  'NaN',
  'null',
  '%0d%0aSet-Cookie:%20x%3D1',
  '%5Cu0000',
  'evt_00000000000000000000000000',
  '..',
  '.',
  '%2F',
];

export const HOSTILE_QUERY_VALUES: readonly string[] = ['%00', '-1', '0', '1e309', 'abc', '', 'true%00', '%ff', 'x'.repeat(3_000), '%5B%5D', '__proto__', '1.5', '99999999999999999999', '%0A'];
