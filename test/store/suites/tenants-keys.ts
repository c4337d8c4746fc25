import { describe, expect, it } from 'vitest';
import type { StoreBackend } from '../harness.js';
import { useStore } from '../harness.js';

export function tenantAndApiKeyTests(backend: StoreBackend): void {
  describe('tenants', () => {
    const s = useStore(backend);

    it('ensureDefault creates the default tenant once', async () => {
      const first = await s.store.tenants.ensureDefault();
      const again = await s.store.tenants.ensureDefault();
      expect(first.name).toBe('default');
      expect(again).toEqual(first);
      expect(await s.store.tenants.getByName('default')).toEqual(first);
    });

    it('creates, gets and lists tenants; names are unique', async () => {
      const t = await s.store.tenants.create('Blossom & Co');
      expect(t).toMatchObject({ name: 'Blossom & Co', createdAt: new Date(s.clock.now()).toISOString() });
      expect(await s.store.tenants.get(t.id)).toEqual(t);
      expect(await s.store.tenants.getByName('Blossom & Co')).toEqual(t);
      expect(await s.store.tenants.get('missing')).toBeUndefined();
      expect(await s.store.tenants.getByName('missing')).toBeUndefined();
      expect((await s.store.tenants.list()).map((x) => x.id)).toContain(t.id);
      await expect(s.store.tenants.create('Blossom & Co')).rejects.toMatchObject({ code: 'STORE_CONFLICT' });
    });
  });

  describe('api keys', () => {
    const s = useStore(backend);

    it('returns the plain key once, stores only its hash, verifies it', async () => {
      const t = await s.tenant();
      const { key, record } = await s.store.apiKeys.create(t.id, 'dashboard');
      expect(key).toMatch(/^csk_[A-Za-z0-9_-]{43}$/);
      expect(record).toMatchObject({ tenantId: t.id, label: 'dashboard', prefix: key.slice(0, 8) });
      const raw = await s.store.db.selectFrom('api_keys').selectAll().where('id', '=', record.id).executeTakeFirstOrThrow();
      expect(JSON.stringify(raw)).not.toContain(key);
      expect(raw.key_hash).toMatch(/^[0-9a-f]{64}$/);

      const verified = await s.store.apiKeys.verify(key);
      expect(verified?.tenant).toEqual(t);
      expect(verified?.record.id).toBe(record.id);
      expect(verified?.record.lastUsedAt).toBe(new Date(s.clock.now()).toISOString());
    });

    it('rejects unknown, malformed and revoked keys', async () => {
      const t = await s.tenant();
      const { key, record } = await s.store.apiKeys.create(t.id, 'ci');
      expect(await s.store.apiKeys.verify(`${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`)).toBeUndefined();
      expect(await s.store.apiKeys.verify('not-a-key')).toBeUndefined();
      expect(await s.store.apiKeys.verify('')).toBeUndefined();
      expect(await s.store.apiKeys.revoke(t.id, record.id)).toBe(true);
      expect(await s.store.apiKeys.revoke(t.id, record.id)).toBe(false);
      expect(await s.store.apiKeys.verify(key)).toBeUndefined();
    });

    it('refreshes lastUsedAt at most once a minute', async () => {
      const t = await s.tenant();
      const { key } = await s.store.apiKeys.create(t.id, 'cli');
      const first = (await s.store.apiKeys.verify(key))?.record.lastUsedAt;
      s.clock.advance(30_000);
      expect((await s.store.apiKeys.verify(key))?.record.lastUsedAt).toBe(first);
      s.clock.advance(31_000);
      expect((await s.store.apiKeys.verify(key))?.record.lastUsedAt).toBe(new Date(s.clock.now()).toISOString());
    });

    it('lists and revokes only within the tenant', async () => {
      const [a, b] = [await s.tenant(), await s.tenant()];
      const ka = await s.store.apiKeys.create(a.id, 'a1');
      s.clock.advance(1);
      const kb = await s.store.apiKeys.create(a.id, 'a2');
      expect((await s.store.apiKeys.list(a.id)).map((r) => r.label)).toEqual(['a1', 'a2']);
      expect(await s.store.apiKeys.list(b.id)).toEqual([]);
      expect(await s.store.apiKeys.revoke(b.id, ka.record.id)).toBe(false);
      expect((await s.store.apiKeys.verify(ka.key))?.tenant.id).toBe(a.id);
      expect((await s.store.apiKeys.verify(kb.key))?.tenant.id).toBe(a.id);
      await expect(s.store.apiKeys.create('no-such-tenant', 'x')).rejects.toMatchObject({ code: 'STORE_NOT_FOUND' });
    });
  });
}
