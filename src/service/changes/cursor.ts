/**
 * Change-feed cursors. Opaque to clients (`cf1_` + base64url): a cursor names the last seq the client
 * has, so "continue from here" is "changes after that seq". Decoding refuses anything we did not make.
 */
import { ValidationError } from '../../errors.js';

const PREFIX = 'cf1_';

export function encodeCursor(seq: number): string {
  return `${PREFIX}${Buffer.from(`seq:${seq}`, 'utf8').toString('base64url')}`;
}

export function decodeCursor(cursor: string): number {
  const body = cursor.startsWith(PREFIX) ? cursor.slice(PREFIX.length) : undefined;
  const match = body === undefined || !/^[A-Za-z0-9_-]{1,40}$/.test(body) ? null : /^seq:(\d{1,15})$/.exec(Buffer.from(body, 'base64url').toString('utf8'));
  if (!match?.[1]) throw new ValidationError('cursor is not a change-feed cursor (take it from a /changes or /events answer)');
  return Number(match[1]);
}
