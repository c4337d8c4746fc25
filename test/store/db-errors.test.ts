import { DatabaseSync } from 'node:sqlite';
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

  it('reads node:sqlite errors by their SQLite result code (real errors from a database)', () => {
    const db = new DatabaseSync(':memory:');
    db.exec('pragma foreign_keys = ON; create table p (id integer primary key); create table c (k text unique, p integer references p (id))');
    const caught = (statement: string): unknown => {
      try {
        db.exec(statement);
      } catch (err) {
        return err;
      }
      throw new Error(`no error from ${statement}`);
    };
    db.exec("insert into p values (1); insert into c values ('a', 1)");
    expect(translateDbError(caught("insert into c values ('a', 1)"))).toMatchObject({ code: 'STORE_CONFLICT', details: { driverCode: 'SQLITE_CONSTRAINT_UNIQUE' } });
    expect(translateDbError(caught('insert into p values (1)'))).toMatchObject({ code: 'STORE_CONFLICT', details: { driverCode: 'SQLITE_CONSTRAINT_PRIMARYKEY' } });
    expect(translateDbError(caught("insert into c values ('b', 9)"))).toMatchObject({ code: 'STORE_NOT_FOUND', details: { driverCode: 'SQLITE_CONSTRAINT_FOREIGNKEY' } });
    expect(translateDbError(caught('select * from missing'))).toMatchObject({ code: 'STORE_FAILURE', retryable: false, details: { driverCode: 'SQLITE_1' } });
    db.close();
    // Lock contention, by primary code and by extended code (BUSY_SNAPSHOT = 517, LOCKED_SHAREDCACHE = 262).
    for (const [errcode, name] of [[5, 'SQLITE_BUSY'], [517, 'SQLITE_BUSY'], [262, 'SQLITE_LOCKED']] as const) {
      expect(translateDbError(driverError('ERR_SQLITE_ERROR', { errcode }))).toMatchObject({ code: 'STORE_FAILURE', retryable: true, details: { driverCode: name } });
    }
    expect(translateDbError(driverError('ERR_SQLITE_ERROR', { errcode: 275 }))).toMatchObject({ code: 'STORE_FAILURE', retryable: false, details: { driverCode: 'SQLITE_CONSTRAINT' } });
  });

  it('passes typed errors and non-objects through unchanged', () => {
    const typed = new CalsyncError('VALIDATION', 'x');
    expect(translateDbError(typed)).toBe(typed);
    expect(translateDbError('text')).toBe('text');
    expect(translateDbError(null)).toBe(null);
  });
});
