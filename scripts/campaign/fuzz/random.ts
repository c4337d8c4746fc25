/** A seeded generator (mulberry32) and the hostile values the fuzzers draw from. Reproducible by seed. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

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
