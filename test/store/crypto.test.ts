import { describe, expect, it } from 'vitest';
import {
  API_KEY_PREFIX,
  generateApiKey,
  generateSecretKey,
  hashApiKey,
  open,
  parseSecretKey,
  safeEqual,
  seal,
  verifyApiKey,
} from '../../src/util/crypto.js';

describe('seal/open (AES-256-GCM)', () => {
  const key = generateSecretKey();

  it('round-trips text, with a fresh IV every time', () => {
    const a = seal(key, 'app-specific password ✓', 'ctx');
    const b = seal(key, 'app-specific password ✓', 'ctx');
    expect(a).toMatch(/^v1\.[A-Za-z0-9_-]+$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('password');
    expect(open(key, a, 'ctx')).toBe('app-specific password ✓');
    expect(open(key, seal(key, ''))).toBe('');
  });

  it('fails with a CRYPTO error for a wrong key, wrong context, tampering, bad format or truncation', () => {
    const sealed = seal(key, 'secret', 'integration:1');
    expect(() => open(generateSecretKey(), sealed, 'integration:1')).toThrow(expect.objectContaining({ code: 'CRYPTO' }));
    expect(() => open(key, sealed, 'integration:2')).toThrow(expect.objectContaining({ code: 'CRYPTO' }));
    const raw = Buffer.from(sealed.slice(3), 'base64url');
    raw[raw.length - 1] = (raw[raw.length - 1] ?? 0) ^ 1;
    expect(() => open(key, `v1.${raw.toString('base64url')}`, 'integration:1')).toThrow(expect.objectContaining({ code: 'CRYPTO' }));
    expect(() => open(key, `v2.${sealed.slice(3)}`, 'integration:1')).toThrow(/unknown format version/);
    expect(() => open(key, 'v1.AAAA', 'integration:1')).toThrow(/truncated/);
    expect(() => seal(Buffer.alloc(16), 'x')).toThrow(expect.objectContaining({ code: 'CRYPTO' }));
  });
});

describe('safeEqual', () => {
  it('compares strings and buffers', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
    expect(safeEqual(Buffer.from([1, 2]), Buffer.from([1, 2]))).toBe(true);
    expect(safeEqual(Buffer.from([1, 2]), 'ab')).toBe(false);
  });
});

describe('api keys', () => {
  it('are prefixed, unique, and verified against their hash only', () => {
    const a = generateApiKey();
    const b = generateApiKey();
    expect(a.startsWith(API_KEY_PREFIX)).toBe(true);
    expect(a).not.toBe(b);
    expect(hashApiKey(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(verifyApiKey(a, hashApiKey(a))).toBe(true);
    expect(verifyApiKey(b, hashApiKey(a))).toBe(false);
  });
});

describe('parseSecretKey', () => {
  const bytes = generateSecretKey();

  it('accepts 64 hex characters and base64 / base64url of 32 bytes', () => {
    expect(parseSecretKey(bytes.toString('hex'))).toEqual(bytes);
    expect(parseSecretKey(` ${bytes.toString('hex').toUpperCase()}\n`)).toEqual(bytes);
    expect(parseSecretKey(bytes.toString('base64'))).toEqual(bytes);
    expect(parseSecretKey(bytes.toString('base64url'))).toEqual(bytes);
  });

  it('rejects anything else with a CONFIG error', () => {
    for (const bad of ['', 'short', bytes.toString('hex').slice(2), Buffer.alloc(31).toString('base64'), Buffer.alloc(33).toString('base64'), `${'g'.repeat(64)}`]) {
      expect(() => parseSecretKey(bad)).toThrow(expect.objectContaining({ code: 'CONFIG' }));
    }
  });
});
