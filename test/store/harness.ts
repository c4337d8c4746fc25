/**
 * What the conformance suite needs from a backend: a way to make a fresh empty database and to open
 * (and re-open) stores on it. `useStore` gives a group of tests one shared store; every test makes its
 * own tenants, so tests never see each other's rows.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { SqlStore } from '../../src/store/open.js';
import { openStore } from '../../src/store/open.js';
import type { Tenant } from '../../src/store/types.js';
import type { Clock } from '../../src/util/clock.js';
import { ManualClock } from '../../src/util/clock.js';

export interface OpenOverrides {
  secretKey?: string;
  dataDir?: string;
  clock?: Clock;
}

export interface TestDb {
  /** The data dir stores open with unless told otherwise (holds secret.key, and calsync.db for SQLite). */
  dataDir: string;
  open(overrides?: OpenOverrides): Promise<SqlStore>;
  cleanup(): Promise<void>;
}

export interface StoreBackend {
  name: 'sqlite' | 'postgres';
  createDatabase(): Promise<TestDb>;
}

export function tempDir(prefix = 'calsync-store-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** SQLite: the database file lives in the data dir (the production default layout). */
export const sqliteBackend: StoreBackend = {
  name: 'sqlite',
  async createDatabase() {
    const dataDir = tempDir();
    return {
      dataDir,
      open: (o = {}) => openStore({ dataDir: o.dataDir ?? dataDir, ...(o.secretKey ? { secretKey: o.secretKey } : {}), clock: o.clock ?? new ManualClock() }),
      cleanup: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
  },
};

/** PostgreSQL: a fresh database on the local server per `createDatabase`. */
export function postgresBackend(create: () => Promise<{ url: string; drop(): Promise<void> }>): StoreBackend {
  return {
    name: 'postgres',
    async createDatabase() {
      const database = await create();
      const dataDir = tempDir();
      return {
        dataDir,
        open: (o = {}) =>
          openStore({
            databaseUrl: database.url,
            dataDir: o.dataDir ?? dataDir,
            ...(o.secretKey ? { secretKey: o.secretKey } : {}),
            clock: o.clock ?? new ManualClock(),
          }),
        cleanup: async () => {
          await database.drop();
          rmSync(dataDir, { recursive: true, force: true });
        },
      };
    },
  };
}

export interface SharedStore {
  readonly store: SqlStore;
  readonly clock: ManualClock;
  /** A new tenant with a unique name. */
  tenant(): Promise<Tenant>;
}

let tenantCounter = 0;

export function useStore(backend: StoreBackend): SharedStore {
  let db: TestDb | undefined;
  let store: SqlStore | undefined;
  const clock = new ManualClock();
  beforeAll(async () => {
    db = await backend.createDatabase();
    store = await db.open({ clock });
  });
  afterAll(async () => {
    await store?.close();
    await db?.cleanup();
  });
  return {
    get store() {
      if (!store) throw new Error('store not open yet');
      return store;
    },
    clock,
    async tenant() {
      tenantCounter += 1;
      if (!store) throw new Error('store not open yet');
      return store.tenants.create(`tenant-${tenantCounter}-${Math.random().toString(36).slice(2, 8)}`);
    },
  };
}
