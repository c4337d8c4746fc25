/**
 * Where a calendar's Graph subscription is remembered: the calendar's `SyncState.push`, written on its
 * own (`syncState.setPush`; the engine's `syncState.set` never touches it, so a sync finishing at the
 * same moment cannot overwrite it). The clientState — the shared secret Graph echoes on every notification — is sealed
 * (AES-256-GCM) under the integration's subscription key, bound to the calendar it belongs to.
 */
import { randomBytes } from 'node:crypto';
import type { Store, SyncState } from '../../store/types.js';
import { open, seal } from '../../util/crypto.js';
import type { OutlookCredentials } from './connection.js';

export interface SubscriptionRecord {
  subscriptionId: string;
  /** ISO instant Graph will drop the subscription at. */
  expiresAt: string;
  /** Sealed clientState (see `sealClientState`). */
  clientState: string;
  notificationUrl: string;
  /**
   * The lifetime Graph granted when it last set `expiresAt` (ms). Graph decides the expiry — the
   * documented maximum (10,080 minutes) and the one observed live (10,070) differ, and it may grant
   * less than asked — so renewal is planned from what it granted, never from what we asked for.
   */
  grantedMs?: number;
}

const PROVIDER = 'graph';

export function readRecord(state: Pick<SyncState, 'push'>): SubscriptionRecord | undefined {
  const push = state.push;
  if (!push || push.provider !== PROVIDER) return undefined;
  const { subscriptionId, expiresAt, clientState, notificationUrl, grantedMs } = push;
  if (typeof subscriptionId !== 'string' || typeof expiresAt !== 'string' || typeof clientState !== 'string' || typeof notificationUrl !== 'string') return undefined;
  return { subscriptionId, expiresAt, clientState, notificationUrl, ...(typeof grantedMs === 'number' && grantedMs > 0 ? { grantedMs } : {}) };
}

/**
 * Replaces (or, with `undefined`, clears) the record: only the push column (`syncState.setPush`), so
 * a sync writing back its state at the same moment neither loses it nor is refused.
 */
export async function writeRecord(store: Store, tenantId: string, calendarId: string, record: SubscriptionRecord | undefined): Promise<void> {
  await store.syncState.setPush(tenantId, calendarId, record ? { provider: PROVIDER, ...record } : undefined);
}

/** A fresh clientState: 32 random bytes, base64url (43 characters; Graph allows 128). */
export function newClientState(): string {
  return randomBytes(32).toString('base64url');
}

function keyOf(credentials: OutlookCredentials): Buffer {
  const hex = credentials.subscriptionKey;
  if (typeof hex !== 'string' || !/^[0-9a-f]{64}$/.test(hex)) throw new Error('the integration has no subscription key; reconnect it');
  return Buffer.from(hex, 'hex');
}

const context = (calendarId: string): string => `graph-client-state:${calendarId}`;

export function sealClientState(credentials: OutlookCredentials, calendarId: string, clientState: string): string {
  return seal(keyOf(credentials), clientState, context(calendarId));
}

export function openClientState(credentials: OutlookCredentials, calendarId: string, sealed: string): string {
  return open(keyOf(credentials), sealed, context(calendarId));
}

/** A new integration's subscription key. */
export function newSubscriptionKey(): string {
  return randomBytes(32).toString('hex');
}
