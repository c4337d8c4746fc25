/**
 * Opening the store: connect, migrate, check the secret key, make sure the default tenant exists. This is the one entry point the CLI, the
 * server and tests use.
 */
import type { Kysely } from 'kysely';
import { CalsyncError } from '../errors.js';
import type { Clock } from '../util/clock.js';
import { systemClock } from '../util/clock.js';
import { open as openSealed, seal } from '../util/crypto.js';
import type { Dialect } from './connect.js';
import { connect } from './connect.js';
import { migrateToLatest } from './migrations.js';
import type { StoreDatabase } from './schema.js';
import { loadSecretKey } from './secret-key.js';
import { SqlStore } from './sql-store.js';

export { SqlStore } from './sql-store.js';
export type { Dialect } from './connect.js';
export { SQLITE_MEMORY } from './connect.js';
export { migrateToLatest } from './migrations.js';
export type { StoreDatabase } from './schema.js';

export interface OpenStoreOptions {
  /** `postgres://…`, `sqlite:<file>` or `sqlite::memory:`; unset → `<dataDir>/calsync.db`. */
  databaseUrl?: string;
  /** Data directory: SQLite file and the generated secret key live here (created when missing). */
  dataDir: string;
  /** CALSYNC_SECRET_KEY: 32 bytes as hex or base64; unset → `<dataDir>/secret.key`. */
  secretKey?: string;
  clock?: Clock;
}

const KEY_CHECK = 'secret_key_check';
const KEY_CHECK_PLAINTEXT = 'calsync-key-check';

/**
 * The first start seals a known value under the key; later starts must open it. A changed or wrong
 * key is caught here, at start-up, not later as a decryption failure in the middle of a sync.
 */
async function verifySecretKey(db: Kysely<StoreDatabase>, key: Buffer): Promise<void> {
  await db
    .insertInto('store_meta')
    .values({ key: KEY_CHECK, value: seal(key, KEY_CHECK_PLAINTEXT, KEY_CHECK) })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const row = await db.selectFrom('store_meta').select('value').where('key', '=', KEY_CHECK).executeTakeFirstOrThrow();
  try {
    if (openSealed(key, row.value, KEY_CHECK) === KEY_CHECK_PLAINTEXT) return;
  } catch {
    // fall through to the CONFIG error below
  }
  throw new CalsyncError('CONFIG', 'the secret key does not match the one this database was created with (check CALSYNC_SECRET_KEY or secret.key)');
}

export async function openStore(opts: OpenStoreOptions): Promise<SqlStore> {
  const key = loadSecretKey(opts.dataDir, opts.secretKey);
  const { db, dialect, location } = connect<StoreDatabase>(opts.databaseUrl, opts.dataDir);
  try {
    await migrateToLatest(db);
    await verifySecretKey(db, key);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  const store = new SqlStore({ db, dialect: dialect satisfies Dialect, clock: opts.clock ?? systemClock, secretKey: key, location });
  try {
    // The default tenant exists from the first run on; the CLI acts for it unless `--tenant` names another.
    await store.tenants.ensureDefault();
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}
