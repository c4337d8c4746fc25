/** DAViCal answers a sync-token it does not know from nothing; a token that went back gives it away. */
import { describe, expect, it } from 'vitest';
import { tokenWentBack } from '../../src/providers/caldav/calendar-collection.js';

describe('tokenWentBack', () => {
  it('is true only when both are data:,N tokens and the answer is below the one sent', () => {
    expect(tokenWentBack('data:,999999999', 'data:,2')).toBe(true);
    expect(tokenWentBack('data:,12345678901234567890', 'data:,12345678901234567889')).toBe(true);
    expect(tokenWentBack('data:,5', 'data:,5')).toBe(false);
    expect(tokenWentBack('data:,5', 'data:,9')).toBe(false);
    // Cyrus (uidvalidity-modseq), Radicale (URL), Xandikos (hash) and the empty token are never compared.
    expect(tokenWentBack('data:,1796610555-9', 'data:,1796610555-5')).toBe(false);
    expect(tokenWentBack('http://radicale.org/ns/sync/ff', 'http://radicale.org/ns/sync/00')).toBe(false);
    expect(tokenWentBack('', 'data:,2')).toBe(false);
  });
});
