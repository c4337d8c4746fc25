import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sealedCacheStore } from '../../src/providers/graph/sealed-cache-store.js';

describe('sealedCacheStore', () => {
  it('stores the MSAL cache encrypted and bound to its integration', async () => {
    const key = randomBytes(32);
    let row: string | undefined;
    const storage = { read: async () => row, write: async (sealed: string) => void (row = sealed) };
    const store = sealedCacheStore(key, 'int-1', storage);
    expect(await store.load()).toBeUndefined();
    const cache = JSON.stringify({ RefreshToken: { secret: 'rt-secret' } });
    await store.save(cache);
    expect(row).not.toContain('rt-secret');
    expect(await store.load()).toBe(cache);
    // The same sealed row read for another integration (or with another key) does not open.
    await expect(sealedCacheStore(key, 'int-2', storage).load()).rejects.toMatchObject({ code: 'CRYPTO' });
    await expect(sealedCacheStore(randomBytes(32), 'int-1', storage).load()).rejects.toMatchObject({ code: 'CRYPTO' });
  });
});
