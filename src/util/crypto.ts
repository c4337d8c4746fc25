/**
 * Secrets at rest and API keys.
 *
 * - `seal`/`open`: AES-256-GCM with a fresh random 96-bit IV per message and an optional associated
 *   context (e.g. `integration:<id>`), so a sealed value copied onto another row fails to open.
 *   Format: `v1.` + base64url(iv ‖ tag ‖ ciphertext); the version prefix lets the format change later.
 * - `safeEqual`: constant-time comparison for tokens, clientStates and hashes.
 * - API keys: 32 random bytes; only their SHA-256 is stored (a high-entropy key needs no slow KDF).
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { CalsyncError } from '../errors.js';

const VERSION = 'v1.';
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const SECRET_KEY_BYTES = 32;

function assertKey(key: Buffer): void {
  if (key.length !== SECRET_KEY_BYTES) throw new CalsyncError('CRYPTO', `secret key must be ${SECRET_KEY_BYTES} bytes, got ${key.length}`);
}

/** Encrypts `plaintext` under `key`; `context` is authenticated but not stored. */
export function seal(key: Buffer, plaintext: string, context = ''): string {
  assertKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return VERSION + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

/** Decrypts a value made by `seal` with the same key and context; a CRYPTO error otherwise. */
export function open(key: Buffer, sealed: string, context = ''): string {
  assertKey(key);
  if (!sealed.startsWith(VERSION)) throw new CalsyncError('CRYPTO', 'sealed value has an unknown format version');
  const raw = Buffer.from(sealed.slice(VERSION.length), 'base64url');
  if (raw.length < IV_BYTES + TAG_BYTES) throw new CalsyncError('CRYPTO', 'sealed value is truncated');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch (err) {
    // Never echo the value or the key: the message only says that authentication failed.
    throw new CalsyncError('CRYPTO', 'sealed value failed authentication (wrong key or tampered data)', { cause: err });
  }
}

/** Constant-time equality of two strings or buffers (length differences return false early, which leaks only the length). */
export function safeEqual(a: string | Buffer, b: string | Buffer): boolean {
  const ab = typeof a === 'string' ? Buffer.from(a, 'utf8') : a;
  const bb = typeof b === 'string' ? Buffer.from(b, 'utf8') : b;
  if (ab.length !== bb.length) return false;
  return timingSafeEqual(ab, bb);
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

export const API_KEY_PREFIX = 'csk_';
/** Characters of the key kept for display (`csk_` plus four). */
export const API_KEY_DISPLAY_CHARS = API_KEY_PREFIX.length + 4;

/** A new API key: `csk_` + 43 base64url characters (256 bits). */
export function generateApiKey(): string {
  return API_KEY_PREFIX + randomBytes(32).toString('base64url');
}

export function hashApiKey(key: string): string {
  return sha256Hex(key);
}

/** Constant-time check of a presented key against a stored hash. */
export function verifyApiKey(key: string, storedHash: string): boolean {
  return safeEqual(hashApiKey(key), storedHash);
}

/**
 * Parses a configured secret key: 64 hex characters or base64/base64url of exactly 32 bytes.
 * Anything else is a CONFIG error, so a typo never silently becomes a different key.
 */
export function parseSecretKey(text: string): Buffer {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)) {
    const buf = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (buf.length === SECRET_KEY_BYTES) return buf;
  }
  throw new CalsyncError('CONFIG', 'CALSYNC_SECRET_KEY must be 32 bytes written as 64 hex characters or base64 (44 characters)');
}

export function generateSecretKey(): Buffer {
  return randomBytes(SECRET_KEY_BYTES);
}
