/**
 * What every repository gets: the current executor (the open transaction when there is one), a way to
 * run a block atomically, the clock, and the at-rest key. Repositories never hold a Kysely instance of
 * their own, so every call made inside `store.transaction(fn)` — through the store passed to `fn` or
 * the outer store object — joins that transaction.
 */
import type { Kysely } from 'kysely';
import type { Clock } from '../util/clock.js';
import { isoNow } from '../util/clock.js';
import type { Dialect } from './connect.js';
import type { StoreDatabase } from './schema.js';

export interface RepoContext {
  readonly dialect: Dialect;
  readonly clock: Clock;
  /** 32-byte AES-256-GCM key for secrets at rest. */
  readonly secretKey: Buffer;
  /** The executor to use now: the current transaction, or the root database. */
  db(): Kysely<StoreDatabase>;
  /** Runs `fn` atomically; joins the current transaction when called inside one. */
  atomic<T>(fn: () => Promise<T>): Promise<T>;
  /** A hub change of the tenant was written in the current transaction (told to outbox listeners after commit). */
  hubWritten(tenantId: string): void;
}

export function nowIso(ctx: RepoContext): string {
  return isoNow(ctx.clock);
}

/**
 * Rows per multi-row INSERT. SQLite allows 32,766 bound variables per statement and PostgreSQL 65,535;
 * the widest table has ~15 columns, so 500 rows stays well inside both while amortizing round trips.
 */
export const INSERT_CHUNK_ROWS = 500;
/** Ids per `IN (…)` list, same reasoning. */
export const IN_LIST_CHUNK = 900;

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
