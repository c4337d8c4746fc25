/**
 * Tenant users and one-time sign-in links on both store dialects (migration 007): emails unique across
 * tenants, case-insensitive; a link works once and only before it expires; removing a tenant's user
 * leaves other tenants alone.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type SqlStore } from '../../src/store/open.js';
import { ManualClock } from '../../src/util/clock.js';
import { createTestDatabase, type TestDatabase } from '../support/pg.js';

let pg: TestDatabase;
beforeAll(async () => {
  pg = await createTestDatabase('calsync_users');
});
afterAll(async () => {
  await pg?.drop();
});

const dialects: [string, () => string | undefined][] = [
  ['sqlite', () => undefined],
  ['postgres', () => pg.url],
];

describe.each(dialects)('tenant users on %s', (_name, url) => {
  it('stores users and spends links once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'calsync-users-'));
    const clock = new ManualClock();
    const databaseUrl = url();
    let store: SqlStore | undefined;
    try {
      store = await openStore({ databaseUrl: databaseUrl ?? 'sqlite::memory:', dataDir: dir, clock });
      const a = await store.tenants.create(`a-${Date.now()}`);
      const b = await store.tenants.create(`b-${Date.now()}`);
      const user = await store.users.create(a.id, { email: ' Anna@Bloom.Example ', name: 'Anna', passwordHash: 'scrypt$x' });
      expect(user).toMatchObject({ email: 'anna@bloom.example', name: 'Anna', tenantId: a.id });
      await expect(store.users.create(b.id, { email: 'ANNA@bloom.example' })).rejects.toMatchObject({ code: 'VALIDATION' });
      expect(await store.users.findForSignIn('anna@BLOOM.example')).toMatchObject({ user: { id: user.id }, tenant: { id: a.id }, passwordHash: 'scrypt$x' });
      expect(await store.users.get(b.id, user.id)).toBeUndefined();
      await store.users.setPassword(a.id, user.id, 'scrypt$y');
      await expect(store.users.setPassword(b.id, user.id, 'scrypt$z')).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await store.users.touchSignIn(user.id);
      expect((await store.users.list(a.id))[0]?.lastSignInAt).toBe(new Date(clock.now()).toISOString());

      const { token } = await store.signInLinks.issue(a.id, { userId: user.id, expiresAt: new Date(clock.now() + 60_000).toISOString() });
      expect(token).toMatch(/^csl_/);
      const [first, second] = await Promise.all([store.signInLinks.redeem(token), store.signInLinks.redeem(token)]);
      expect([first, second].filter(Boolean)).toHaveLength(1);
      expect(first ?? second).toMatchObject({ tenant: { id: a.id }, userId: user.id });
      const late = await store.signInLinks.issue(b.id, { expiresAt: new Date(clock.now() + 1_000).toISOString() });
      clock.advance(2_000);
      expect(await store.signInLinks.redeem(late.token)).toBeUndefined();
      expect(await store.signInLinks.redeem('csl_unknown')).toBeUndefined();

      expect(await store.users.remove(b.id, user.id)).toBe(false);
      expect(await store.users.remove(a.id, user.id)).toBe(true);
      expect(await store.users.getWithTenant(user.id)).toBeUndefined();
    } finally {
      await store?.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
