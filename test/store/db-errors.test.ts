import { describe, expect, it } from 'vitest';
import { CalsyncError, StoreConflictError } from '../../src/errors.js';
import { translateDbError } from '../../src/store/db-errors.js';

function driverError(code: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`driver says ${code}`), { code, ...extra });
}

describe('translateDbError', () => {
  it('maps unique violations to StoreConflictError on both drivers', () => {
    for (const code of ['23505', 'SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY']) {
      const err = translateDbError(driverError(code, { constraint: 'links_calendar_remote' }));
      expect(err).toBeInstanceOf(StoreConflictError);
      expect(err).toMatchObject({ code: 'STORE_CONFLICT', retryable: false, details: { driverCode: code } });
    }
  });

  it('maps foreign-key violations to STORE_NOT_FOUND', () => {
    for (const code of ['23503', 'SQLITE_CONSTRAINT_FOREIGNKEY']) {
      expect(translateDbError(driverError(code))).toMatchObject({ code: 'STORE_NOT_FOUND' });
    }
  });

  it('marks lock, serialization and connection failures retryable, others not', () => {
    for (const code of ['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_LOCKED', '40001', '40P01', 'ECONNREFUSED', '57P01']) {
      expect(translateDbError(driverError(code))).toMatchObject({ code: 'STORE_FAILURE', retryable: true });
    }
    for (const code of ['42P01', 'SQLITE_ERROR', '']) {
      expect(translateDbError(driverError(code))).toMatchObject({ code: 'STORE_FAILURE', retryable: false });
    }
    expect(translateDbError({ code: 42 })).toMatchObject({ code: 'STORE_FAILURE', message: 'store: database error' });
  });

  it('passes typed errors and non-objects through unchanged', () => {
    const typed = new CalsyncError('VALIDATION', 'x');
    expect(translateDbError(typed)).toBe(typed);
    expect(translateDbError('text')).toBe('text');
    expect(translateDbError(null)).toBe(null);
  });
});
