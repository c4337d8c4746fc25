import { describe, expect, it } from 'vitest';
import type { StoreBackend } from '../harness.js';
import { useStore } from '../harness.js';

const CREDENTIALS = { username: 'planner@icloud.test', password: 'app-specific-SECRET-pw' };

export function integrationAndCalendarTests(backend: StoreBackend): void {
  describe('integrations', () => {
    const s = useStore(backend);

    it('creates, reads, lists and updates an integration', async () => {
      const t = await s.tenant();
      const created = await s.store.integrations.create(t.id, {
        provider: 'icloud',
        name: 'Apple',
        config: { serverUrl: 'https://caldav.icloud.test' },
        credentials: CREDENTIALS,
      });
      expect(created).toMatchObject({ tenantId: t.id, provider: 'icloud', status: 'active', conflictRules: {}, config: { serverUrl: 'https://caldav.icloud.test' } });
      expect(await s.store.integrations.get(t.id, created.id)).toEqual(created);
      expect(await s.store.integrations.getByName(t.id, 'Apple')).toEqual(created);
      expect(await s.store.integrations.list(t.id)).toEqual([created]);

      s.clock.advance(5_000);
      const flagged = await s.store.integrations.update(t.id, created.id, {
        status: 'needs_reauth',
        statusReason: 'token revoked',
        conflictRules: { default: 'wedsync_wins' },
        config: { serverUrl: 'https://other.test' },
        name: 'Apple (work)',
      });
      expect(flagged).toMatchObject({ status: 'needs_reauth', statusReason: 'token revoked', name: 'Apple (work)', conflictRules: { default: 'wedsync_wins' } });
      expect(flagged.updatedAt > created.updatedAt).toBe(true);
      const cleared = await s.store.integrations.update(t.id, created.id, { status: 'active', statusReason: undefined });
      expect(cleared.statusReason).toBeUndefined();
      expect(cleared.name).toBe('Apple (work)');
      await expect(s.store.integrations.create(t.id, { provider: 'caldav', name: 'Apple (work)', config: {}, credentials: {} })).rejects.toMatchObject({
        code: 'STORE_CONFLICT',
      });
    });

    it('encrypts credentials at rest and decrypts them only through getCredentials', async () => {
      const t = await s.tenant();
      const i = await s.store.integrations.create(t.id, { provider: 'caldav', name: 'Radicale', config: {}, credentials: CREDENTIALS });
      const raw = await s.store.db.selectFrom('integrations').selectAll().where('id', '=', i.id).executeTakeFirstOrThrow();
      expect(raw.credentials).toMatch(/^v1\./);
      expect(JSON.stringify(raw)).not.toContain('SECRET');
      expect(JSON.stringify(await s.store.integrations.get(t.id, i.id))).not.toContain('SECRET');
      expect(await s.store.integrations.getCredentials(t.id, i.id)).toEqual(CREDENTIALS);
      await s.store.integrations.setCredentials(t.id, i.id, { token: 'NEW-TOKEN' });
      expect(await s.store.integrations.getCredentials(t.id, i.id)).toEqual({ token: 'NEW-TOKEN' });

      // A sealed blob copied onto another integration's row does not open there.
      const other = await s.store.integrations.create(t.id, { provider: 'caldav', name: 'Other', config: {}, credentials: {} });
      const sealed = (await s.store.db.selectFrom('integrations').select('credentials').where('id', '=', i.id).executeTakeFirstOrThrow()).credentials;
      await s.store.db.updateTable('integrations').set({ credentials: sealed }).where('id', '=', other.id).execute();
      await expect(s.store.integrations.getCredentials(t.id, other.id)).rejects.toMatchObject({ code: 'CRYPTO' });
    });

    it('is tenant-scoped', async () => {
      const [a, b] = [await s.tenant(), await s.tenant()];
      const i = await s.store.integrations.create(a.id, { provider: 'outlook', name: 'Outlook', config: {}, credentials: CREDENTIALS });
      expect(await s.store.integrations.get(b.id, i.id)).toBeUndefined();
      expect(await s.store.integrations.getByName(b.id, 'Outlook')).toBeUndefined();
      expect(await s.store.integrations.list(b.id)).toEqual([]);
      await expect(s.store.integrations.update(b.id, i.id, { name: 'x' })).rejects.toMatchObject({ code: 'STORE_NOT_FOUND' });
      await expect(s.store.integrations.getCredentials(b.id, i.id)).rejects.toMatchObject({ code: 'STORE_NOT_FOUND' });
      await expect(s.store.integrations.setCredentials(b.id, i.id, {})).rejects.toMatchObject({ code: 'STORE_NOT_FOUND' });
      expect(await s.store.integrations.delete(b.id, i.id)).toBe(false);
      expect(await s.store.integrations.getCredentials(a.id, i.id)).toEqual(CREDENTIALS);
    });
  });

  describe('calendars', () => {
    const s = useStore(backend);

    it('upserts by (integration, remoteId), keeping enabled and direction', async () => {
      const t = await s.tenant();
      const i = await s.store.integrations.create(t.id, { provider: 'caldav', name: 'C', config: {}, credentials: {} });
      const cal = await s.store.calendars.upsert(t.id, i.id, { remoteId: '/cals/work/', name: 'Work', color: '#ff0000' });
      expect(cal).toMatchObject({ tenantId: t.id, integrationId: i.id, remoteId: '/cals/work/', name: 'Work', color: '#ff0000', enabled: true, direction: 'two_way' });
      const disabled = await s.store.calendars.update(t.id, cal.id, { enabled: false, direction: 'import_only', pollIntervalS: 300, conflictRules: { default: 'manual' } });
      expect(disabled).toMatchObject({ enabled: false, direction: 'import_only', pollIntervalS: 300, conflictRules: { default: 'manual' } });
      s.clock.advance(1_000);
      const again = await s.store.calendars.upsert(t.id, i.id, { remoteId: '/cals/work/', name: 'Work (renamed)', enabled: true });
      expect(again).toMatchObject({ id: cal.id, name: 'Work (renamed)', color: '#ff0000', enabled: false, direction: 'import_only', createdAt: cal.createdAt });
      const off = await s.store.calendars.upsert(t.id, i.id, { remoteId: '/cals/home/', name: 'Home', enabled: false });
      expect(off.enabled).toBe(false);
      expect(off.color).toBeUndefined();
      expect((await s.store.calendars.list(t.id)).map((c) => c.name)).toEqual(['Work (renamed)', 'Home']);
      expect((await s.store.calendars.list(t.id, i.id)).length).toBe(2);
      expect(await s.store.calendars.list(t.id, 'other-integration')).toEqual([]);
      const cleared = await s.store.calendars.update(t.id, cal.id, { color: undefined, pollIntervalS: undefined, conflictRules: undefined, name: 'W' });
      expect(cleared).toMatchObject({ name: 'W' });
      expect(cleared.color).toBeUndefined();
      expect(cleared.pollIntervalS).toBeUndefined();
      expect(cleared.conflictRules).toBeUndefined();
      expect(await s.store.calendars.get(t.id, cal.id)).toEqual(cleared);
    });

    it('is tenant-scoped, including upserts naming another tenant\'s integration', async () => {
      const [a, b] = [await s.tenant(), await s.tenant()];
      const i = await s.store.integrations.create(a.id, { provider: 'caldav', name: 'C', config: {}, credentials: {} });
      const cal = await s.store.calendars.upsert(a.id, i.id, { remoteId: '/x/', name: 'Mine' });
      expect(await s.store.calendars.get(b.id, cal.id)).toBeUndefined();
      expect(await s.store.calendars.list(b.id)).toEqual([]);
      await expect(s.store.calendars.update(b.id, cal.id, { name: 'Hijack' })).rejects.toMatchObject({ code: 'STORE_NOT_FOUND' });
      await expect(s.store.calendars.upsert(b.id, i.id, { remoteId: '/x/', name: 'Hijack' })).rejects.toMatchObject({ code: 'STORE_NOT_FOUND' });
      await expect(s.store.calendars.upsert(b.id, i.id, { remoteId: '/new/', name: 'Hijack' })).rejects.toMatchObject({ code: 'STORE_NOT_FOUND' });
      expect((await s.store.calendars.get(a.id, cal.id))?.name).toBe('Mine');
      expect(await s.store.calendars.list(a.id)).toHaveLength(1);
    });
  });
}
