/**
 * Identifiers. Row ids are UUIDv7 (RFC 9562): time-ordered, so new rows land at the right edge of a
 * B-tree index instead of at random pages, which keeps bulk imports fast on both SQLite and PostgreSQL.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';

const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

// One crypto call per id dominated bulk imports; drawing ids from a pooled buffer is as random and far cheaper.
const POOL_BYTES = 16 * 256;
let pool = Buffer.alloc(0);
let poolOffset = POOL_BYTES;

function random16(): Buffer {
  if (poolOffset + 16 > pool.length) {
    pool = randomBytes(POOL_BYTES);
    poolOffset = 0;
  }
  const out = Buffer.from(pool.subarray(poolOffset, poolOffset + 16));
  poolOffset += 16;
  return out;
}

/** A new UUIDv7: 48-bit millisecond timestamp, version 7, variant 10, 74 random bits. */
export function newId(clock: Clock = systemClock): string {
  const bytes = random16();
  let ms = Math.max(0, Math.floor(clock.now()));
  // Big-endian 48-bit timestamp in bytes 0..5 (Number is exact up to 2^53, so plain arithmetic works).
  for (let i = 5; i >= 0; i -= 1) {
    bytes[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x70;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  let out = '';
  for (let i = 0; i < 16; i += 1) {
    if (i === 4 || i === 6 || i === 8 || i === 10) out += '-';
    out += HEX[bytes[i] ?? 0];
  }
  return out;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a UUID in canonical text form (any version). */
export function isUuid(value: string): boolean {
  return UUID_RE.test(value);
}
