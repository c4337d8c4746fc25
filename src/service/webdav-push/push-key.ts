/**
 * The integration's push key: 32 random bytes (hex) in its encrypted credentials that seal the secrets
 * of its calendars' WebDAV-Push registrations (see `registration-record.ts`). New CalDAV integrations get
 * one when they connect; older ones get it on their first registration.
 */
import { randomBytes } from 'node:crypto';
import type { Integration, Store } from '../../store/types.js';
import { updateCredentials } from '../outlook/connection.js';

export function newPushKey(): string {
  return randomBytes(32).toString('hex');
}

export function pushKeyOf(credentials: Record<string, unknown>): Buffer | undefined {
  const hex = credentials.pushKey;
  return typeof hex === 'string' && /^[0-9a-f]{64}$/.test(hex) ? Buffer.from(hex, 'hex') : undefined;
}

/** The integration's push key, created (under the credentials lock) when it has none yet. */
export async function ensurePushKey(store: Store, integration: Pick<Integration, 'tenantId' | 'id'>): Promise<Buffer> {
  const existing = pushKeyOf(await store.integrations.getCredentials(integration.tenantId, integration.id));
  if (existing) return existing;
  let key: Buffer | undefined;
  await updateCredentials(store, integration, (current) => {
    key = pushKeyOf(current);
    if (key) return current;
    const hex = newPushKey();
    key = Buffer.from(hex, 'hex');
    return { ...current, pushKey: hex };
  });
  return key as Buffer;
}
