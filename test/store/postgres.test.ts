import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/pg.js';
import { storeConformance } from './conformance.js';
import { postgresBackend } from './harness.js';

storeConformance(postgresBackend(createTestDatabase));

describe('store on PostgreSQL: concurrent first start', () => {
  it('several stores migrating one fresh database at once all succeed (migration lock)', async () => {
    const db = await postgresBackend(createTestDatabase).createDatabase();
    try {
      const stores = await Promise.all([db.open(), db.open(), db.open()]);
      const tenants = await Promise.all(stores.map((s) => s.tenants.ensureDefault()));
      expect(new Set(tenants.map((t) => t.id)).size).toBe(1);
      await Promise.all(stores.map((s) => s.close()));
    } finally {
      await db.cleanup();
    }
  });
});
