/**
 * JSON columns are text on both dialects. Reading a malformed value means the database was edited by
 * hand or is corrupt: that is a STORE_FAILURE naming the column, never a bare SyntaxError.
 */
import { CalsyncError } from '../errors.js';

export function toJson(value: unknown): string {
  return JSON.stringify(value);
}

export function fromJson<T>(text: string, column: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new CalsyncError('STORE_FAILURE', `stored JSON in ${column} is malformed`, { cause: err, retryable: false });
  }
}

export function fromJsonOpt<T>(text: string | null, column: string): T | undefined {
  return text === null ? undefined : fromJson<T>(text, column);
}

/** `{ key: value }` when the value is present, `{}` otherwise: builds records without `undefined` members. */
export function opt<K extends string, V>(key: K, value: V | null | undefined): { [P in K]?: V } {
  return (value === null || value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
