import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { makeEvent } from '../../support/events.js';
import type { StoreBackend } from '../harness.js';
import { STORE_MIGRATIONS } from '../../../src/store/migrations.js';
import { tempDir, useStore } from '../harness.js';
import { world } from './fixtures.js';

export function lifecycleTests(backend: StoreBackend): void {
  describe('transactions', () => {
    const s = useStore(backend);

    it('commits several repository calls together', async () => {
      const w = await world(s);
      const link = await s.store.transaction(async (tx) => {
        const h = await tx.events.put(w.tenant.id, { event: makeEvent(), source: 'api' });
        return tx.links.create(w.tenant.id, { hubEventId: h.id, calendarId: w.calendar.id, remoteId: 'tx', etag: 'e', base: h.event });
      });
      expect(await s.store.links.get(w.tenant.id, link.id)).toEqual(link);
    });

    it('rolls everything back on error: nothing half-written, seq not advanced', async () => {
      const w = await world(s);
      const seqBefore = await s.store.events.maxSeq(w.tenant.id);
      const event = makeEvent();
      const failure = s.store.transaction(async (tx) => {
        const h = await tx.events.put(w.tenant.id, { event, source: 'api' });
        await tx.links.create(w.tenant.id, { hubEventId: h.id, calendarId: w.calendar.id, remoteId: 'x', etag: 'e', base: h.event });
        await tx.syncState.set(w.tenant.id, { calendarId: w.calendar.id, hubSeq: 99 });
        // Nested transactions join the outer one, and so do calls on the outer store object.
        await tx.transaction(async (inner) => inner.events.delete(w.tenant.id, w.event.id, { source: 'api' }));
        await s.store.conflicts.record(w.tenant.id, { calendarId: w.calendar.id, hubEventId: h.id, type: 'field', fields: [] });
        throw new Error('boom');
      });
      await expect(failure).rejects.toThrow('boom');
      expect(await s.store.events.getByUid(w.tenant.id, event.uid, { includeDeleted: true })).toBeUndefined();
      expect(await s.store.links.getByRemote(w.tenant.id, w.calendar.id, 'x')).toBeUndefined();
      expect(await s.store.syncState.get(w.tenant.id, w.calendar.id)).toEqual({ calendarId: w.calendar.id, hubSeq: 0 });
      expect(await s.store.events.get(w.tenant.id, w.event.id)).toEqual(w.event);
      expect(await s.store.conflicts.list(w.tenant.id)).toEqual([]);
      expect(await s.store.events.maxSeq(w.tenant.id)).toBe(seqBefore);
      expect(await s.store.events.history(w.tenant.id, w.event.id)).toHaveLength(1);
    });

    it('reports whether a call runs inside a transaction and exposes its executor', async () => {
      expect(s.store.inTransaction()).toBe(false);
      expect(s.store.executor()).toBe(s.store.db);
      const inside = await s.store.transaction(async () => [s.store.inTransaction(), s.store.executor() !== s.store.db]);
      expect(inside).toEqual([true, true]);
    });

    it('serializes concurrent writers of one tenant into distinct, gapless seqs', async () => {
      const t = await s.tenant();
      const writes = Array.from({ length: 8 }, () => s.store.events.put(t.id, { event: makeEvent(), source: 'api' }));
      const seqs = (await Promise.all(writes)).map((h) => h.seq).sort((a, b) => a - b);
      expect(seqs).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      const ordered = await s.store.events.changedSince(t.id, 0);
      expect(ordered.map((h) => h.seq)).toEqual(seqs);
    });

    it('answers ping', async () => {
      await expect(s.store.ping()).resolves.toBeUndefined();
      await expect(s.store.transaction(() => s.store.ping())).resolves.toBeUndefined();
    });
  });

  describe('opening, migrations and the secret key', () => {
    it('migrates once: opening twice keeps data and schema; close is idempotent', async () => {
      const db = await backend.createDatabase();
      try {
        const first = await db.open();
        expect(first.dialect).toBe(backend.name);
        const t = await first.tenants.ensureDefault();
        await first.close();
        await first.close();
        const second = await db.open();
        expect(await second.tenants.ensureDefault()).toEqual(t);
        const applied = await sql<{ name: string }>`select name from store_migration`.execute(second.db);
        expect(applied.rows.map((r) => r.name)).toEqual(Object.keys(STORE_MIGRATIONS).sort());
        await second.close();
      } finally {
        await db.cleanup();
      }
    });

    it('generates secret.key once with mode 0600, reuses it, and keeps credentials readable', async () => {
      const db = await backend.createDatabase();
      try {
        const store = await db.open();
        const keyFile = join(db.dataDir, 'secret.key');
        expect(statSync(keyFile).mode & 0o777).toBe(0o600);
        const key = readFileSync(keyFile, 'utf8');
        expect(key.trim()).toMatch(/^[0-9a-f]{64}$/);
        const t = await store.tenants.ensureDefault();
        const i = await store.integrations.create(t.id, { provider: 'caldav', name: 'C', config: {}, credentials: { password: 'pw' } });
        await store.close();
        const again = await db.open();
        expect(readFileSync(keyFile, 'utf8')).toBe(key);
        expect(await again.integrations.getCredentials(t.id, i.id)).toEqual({ password: 'pw' });
        await again.close();
      } finally {
        await db.cleanup();
      }
    });

    it('uses CALSYNC_SECRET_KEY when given and refuses a different key later', async () => {
      const db = await backend.createDatabase();
      const otherDir = tempDir();
      try {
        const hexKey = randomBytes(32).toString('hex');
        const store = await db.open({ secretKey: hexKey, dataDir: otherDir });
        await store.close();
        expect(() => statSync(join(otherDir, 'secret.key'))).toThrow();
        // The same key in base64 is the same key.
        const same = await db.open({ secretKey: Buffer.from(hexKey, 'hex').toString('base64'), dataDir: otherDir });
        await same.close();
        await expect(db.open({ secretKey: randomBytes(32).toString('hex'), dataDir: otherDir })).rejects.toMatchObject({ code: 'CONFIG' });
        await expect(db.open({ secretKey: 'too-short', dataDir: otherDir })).rejects.toMatchObject({ code: 'CONFIG' });
      } finally {
        await db.cleanup();
        rmSync(otherDir, { recursive: true, force: true });
      }
    });
  });
}
