import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../../src/providers/caldav/cursor.js';
import { CalsyncError } from '../../src/errors.js';

describe('CalDAV cursor', () => {
  it('round-trips ctag and sync-token, present or absent', () => {
    for (const cursor of [
      { ctag: '"abc"', syncToken: 'http://radicale.org/ns/sync/1' },
      { ctag: undefined, syncToken: undefined },
      { ctag: 'x', syncToken: undefined },
      { ctag: '"d1"', syncToken: 'data:,42', tokenSeenAt: Date.UTC(2026, 5, 1) },
    ]) {
      const text = encodeCursor(cursor);
      expect(text).toMatch(/^caldav1:[A-Za-z0-9_-]+$/);
      expect(decodeCursor(text)).toEqual(cursor);
    }
  });

  it('refuses foreign or damaged cursors with PROVIDER_INVALID_SYNC_TOKEN', () => {
    const bad = ['', 'memory:1', 'caldav1:!!!', `caldav1:${Buffer.from('null').toString('base64url')}`, `caldav1:${Buffer.from('{"c":5}').toString('base64url')}`, `caldav1:${Buffer.from('{"c":"x","t":"data:,1","s":"soon"}').toString('base64url')}`, `caldav1:${Buffer.from('{"c":"x","t":"data:,1","s":-1}').toString('base64url')}`];
    for (const text of bad) {
      let error: unknown;
      try {
        decodeCursor(text);
      } catch (err) {
        error = err;
      }
      expect(error, text).toBeInstanceOf(CalsyncError);
      expect((error as CalsyncError).code).toBe('PROVIDER_INVALID_SYNC_TOKEN');
    }
  });
});
