/** A throw-away PostgreSQL database per test file: created on the `postgres` database, dropped after. */
import { randomUUID } from 'node:crypto';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';

const ADMIN_URL = process.env.PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TempDatabase {
  url: string;
  connect(): Kysely<unknown>;
  drop(): Promise<void>;
}

async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

export async function createTempDatabase(label: string): Promise<TempDatabase> {
  const name = `calsync_${label}_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
  return {
    url,
    connect: () => {
      const pool = new pg.Pool({ connectionString: url, max: 8 });
      // As in the store: a connection the server closes (DROP … WITH (FORCE) at teardown) must not
      // become an uncaught 'error' event; the next query on it fails and is reported instead.
      pool.on('error', () => undefined);
      return new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
    },
    drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}
