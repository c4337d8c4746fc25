/**
 * Driver errors → typed errors, in one place. Every query the store (or anything sharing its `db`)
 * runs passes through here, so callers never see a raw node:sqlite or pg error:
 * - unique violation → StoreConflictError (the row already exists / a CAS lost a race);
 * - foreign-key violation → STORE_NOT_FOUND (a referenced row does not exist in this tenant);
 * - lock contention, serialization failures, lost connections → retryable STORE_FAILURE;
 * - anything else → non-retryable STORE_FAILURE (a bug or a broken database; retrying will not help).
 */
import { CalsyncError, StoreConflictError } from '../errors.js';

interface DriverError {
  code?: unknown;
  /** node:sqlite: SQLite's extended result code (`code` is always `ERR_SQLITE_ERROR`). */
  errcode?: unknown;
  constraint?: unknown;
  message?: unknown;
}

const PG_UNIQUE = '23505';
const PG_FOREIGN_KEY = '23503';
/** Serialization failure, deadlock, lock timeout, connection failures, admin shutdown, too many clients. */
const PG_TRANSIENT = new Set(['40001', '40P01', '55P03', '57P01', '57P02', '57P03', '53300', '08000', '08003', '08006', '08001', '08004']);
const NODE_TRANSIENT = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * SQLite's extended result codes that matter here, by name (https://sqlite.org/rescode.html). The
 * primary code is the low byte: 5 BUSY (and BUSY_RECOVERY, BUSY_SNAPSHOT, BUSY_TIMEOUT), 6 LOCKED.
 */
const SQLITE_EXTENDED: Record<number, string> = { 2067: 'SQLITE_CONSTRAINT_UNIQUE', 1555: 'SQLITE_CONSTRAINT_PRIMARYKEY', 787: 'SQLITE_CONSTRAINT_FOREIGNKEY' };
const SQLITE_PRIMARY: Record<number, string> = { 5: 'SQLITE_BUSY', 6: 'SQLITE_LOCKED', 19: 'SQLITE_CONSTRAINT' };

/** The error's code; for node:sqlite errors the SQLite name of its result code (`SQLITE_BUSY`, …). */
function codeOf(e: DriverError): string {
  if (e.code === 'ERR_SQLITE_ERROR' && typeof e.errcode === 'number') {
    return SQLITE_EXTENDED[e.errcode] ?? SQLITE_PRIMARY[e.errcode & 0xff] ?? `SQLITE_${e.errcode}`;
  }
  return typeof e.code === 'string' ? e.code : '';
}

function describe(err: DriverError): string {
  return typeof err.message === 'string' ? err.message : 'database error';
}

export function translateDbError(err: unknown): unknown {
  if (err instanceof CalsyncError || typeof err !== 'object' || err === null) return err;
  const e = err as DriverError;
  const code = codeOf(e);
  const constraint = typeof e.constraint === 'string' ? e.constraint : undefined;
  const details = { driverCode: code, ...(constraint === undefined ? {} : { constraint }) };

  if (code === PG_UNIQUE || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    const conflict = new StoreConflictError(`already exists: ${describe(e)}`, details);
    (conflict as { cause?: unknown }).cause = err;
    return conflict;
  }
  if (code === PG_FOREIGN_KEY || code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
    return new CalsyncError('STORE_NOT_FOUND', 'a referenced row (tenant, integration, calendar or hub event) does not exist in this tenant', {
      cause: err,
      details,
    });
  }
  const transient = code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED') || PG_TRANSIENT.has(code) || NODE_TRANSIENT.has(code);
  return new CalsyncError('STORE_FAILURE', `store: ${describe(e)}`, { cause: err, retryable: transient, details });
}
