/**
 * The provider cursor: opaque to the engine, it records where the last listing left the collection —
 * its CTag (for the one-request "nothing changed" answer) and its sync-token (for sync-collection).
 */
import { decodeOpaqueCursor, encodeOpaqueCursor, invalidCursor } from '../opaque-cursor.js';

export interface CalDavCursor {
  ctag: string | undefined;
  syncToken: string | undefined;
  /**
   * When this process first received `syncToken` (ms since the epoch); kept only for tokens that can
   * expire silently (DAViCal's, see change-detector.ts), absent otherwise.
   */
  tokenSeenAt?: number;
}

const PREFIX = 'caldav1:';

const WHAT = 'CalDAV cursor';

export function encodeCursor(cursor: CalDavCursor): string {
  return encodeOpaqueCursor(PREFIX, { c: cursor.ctag ?? null, t: cursor.syncToken ?? null, ...(cursor.tokenSeenAt === undefined ? {} : { s: cursor.tokenSeenAt }) });
}

/** Throws PROVIDER_INVALID_SYNC_TOKEN for anything that is not a cursor this provider wrote. */
export function decodeCursor(text: string): CalDavCursor {
  const parsed = decodeOpaqueCursor(PREFIX, text, WHAT);
  if (typeof parsed !== 'object' || parsed === null) throw invalidCursor(WHAT);
  const { c, t, s } = parsed as { c?: unknown; t?: unknown; s?: unknown };
  const field = (v: unknown): string | undefined => {
    if (v === null || v === undefined) return undefined;
    if (typeof v !== 'string') throw invalidCursor(WHAT);
    return v;
  };
  if (s !== undefined && (typeof s !== 'number' || !Number.isSafeInteger(s) || s < 0)) throw invalidCursor(WHAT);
  return { ctag: field(c), syncToken: field(t), ...(s === undefined ? {} : { tokenSeenAt: s }) };
}
