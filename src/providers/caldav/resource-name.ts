/**
 * Deterministic resource names: the same UID always maps to the same `<name>.ics`, so a retried create
 * hits `If-None-Match: *` instead of making a duplicate (lessons.md #1). Names use only
 * `[A-Za-z0-9._-]`: iCloud rejects some characters that are legal in a UID (`@`, `/`, `+`, spaces,
 * non-ASCII) and servers disagree on how to escape them.
 */
import { createHash } from 'node:crypto';

const SAFE = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$/;

export function resourceNameForUid(uid: string): string {
  // Readable when the UID is already safe — what other clients do, and what users see in logs.
  if (SAFE.test(uid) && !uid.toLowerCase().endsWith('.ics')) return `${uid}.ics`;
  // Otherwise a readable prefix plus a hash of the whole UID, which keeps distinct UIDs apart.
  const prefix = uid
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  const digest = createHash('sha256').update(uid, 'utf8').digest('hex').slice(0, 32);
  return `${prefix === '' ? 'event' : prefix}-${digest}.ics`;
}
