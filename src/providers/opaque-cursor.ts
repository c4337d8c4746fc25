/**
 * Provider cursors are opaque strings to the engine: a version prefix plus base64url JSON. The prefix
 * makes a cursor of one provider (or an older format) fail cleanly as PROVIDER_INVALID_SYNC_TOKEN —
 * which the engine answers with a full listing — instead of being misread.
 */
import { CalsyncError } from '../errors.js';

export function encodeOpaqueCursor(prefix: string, value: unknown): string {
  return prefix + Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/** The JSON value behind a cursor with this prefix; throws PROVIDER_INVALID_SYNC_TOKEN otherwise. */
export function decodeOpaqueCursor(prefix: string, text: string, what: string): unknown {
  if (!text.startsWith(prefix)) throw invalidCursor(what);
  try {
    return JSON.parse(Buffer.from(text.slice(prefix.length), 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor(what);
  }
}

export function invalidCursor(what: string): CalsyncError {
  return new CalsyncError('PROVIDER_INVALID_SYNC_TOKEN', `not a ${what}; a full listing is needed`);
}
