/**
 * Where a calendar's WebDAV-Push state is remembered: its `SyncState.push` (provider `webdav-push`),
 * written only through `syncState.setPush`, compare-and-set on the value read — a sync finishing at
 * the same moment never touches it, and two processes registering at once cannot both win.
 *
 * Two shapes: a live registration, or the note that the server offers no push (checked again later).
 * The secrets of a registration — the push resource's unguessable part, our P-256 private key and the
 * auth secret — are sealed (AES-256-GCM) under the integration's push key, bound to the calendar.
 */
import { CalsyncError } from '../../errors.js';
import type { SyncState } from '../../store/types.js';
import { fromBase64Url, isUncompressedP256, toBase64Url } from '../../util/base64url.js';
import { open, seal } from '../../util/crypto.js';
import type { SubscriptionKeys } from './message-encryption.js';

export const PUSH_PROVIDER = 'webdav-push';

export interface Registration {
  kind: 'registered';
  /** Where the registration is DELETEd (the server's `Location`). */
  registrationUrl: string;
  /** ISO instant the server drops it (its `Expires`). */
  expiresAt: string;
  registeredAt: string;
  /** The collection's push topic; messages must name it. */
  topic: string;
  /** The server's VAPID key, when it advertised one: every message must be signed with it. */
  vapidPublicKey?: string;
  /** The `CALSYNC_PUBLIC_URL` the push resource lives under (a change means registering again). */
  publicUrl: string;
  /** Sealed `RegistrationSecrets`. */
  secrets: string;
}

export interface Unsupported {
  kind: 'unsupported';
  reason: string;
  checkedAt: string;
}

export type PushRecord = Registration | Unsupported;

/** What only we may know: the unguessable part of the push resource URL and the message keys. */
export interface RegistrationSecrets {
  resourceSecret: string;
  keys: SubscriptionKeys;
}

const str = (v: unknown): v is string => typeof v === 'string' && v !== '';

export function readPushRecord(state: Pick<SyncState, 'push'>): PushRecord | undefined {
  const p = state.push;
  if (!p || p.provider !== PUSH_PROVIDER) return undefined;
  if (p.kind === 'unsupported' && str(p.reason) && str(p.checkedAt)) return { kind: 'unsupported', reason: p.reason, checkedAt: p.checkedAt };
  if (p.kind !== 'registered') return undefined;
  const { registrationUrl, expiresAt, registeredAt, topic, vapidPublicKey, publicUrl, secrets } = p;
  if (!str(registrationUrl) || !str(expiresAt) || !str(registeredAt) || !str(topic) || !str(publicUrl) || !str(secrets)) return undefined;
  return { kind: 'registered', registrationUrl, expiresAt, registeredAt, topic, publicUrl, secrets, ...(str(vapidPublicKey) ? { vapidPublicKey } : {}) };
}

/**
 * The value `setPush` stores for a record, and expects for compare-and-set — which compares the stored
 * JSON text, so the keys are written in one order (sorted) whatever order the record was built in.
 */
export function pushValue(record: PushRecord | undefined): Record<string, unknown> | undefined {
  return record && Object.fromEntries(Object.entries({ provider: PUSH_PROVIDER, ...record }).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** A registration the server still honours: pushes are arriving, polling can slow down. */
export function livePushRegistration(state: Pick<SyncState, 'push'>, now: number): Registration | undefined {
  const record = readPushRecord(state);
  return record?.kind === 'registered' && Date.parse(record.expiresAt) > now ? record : undefined;
}

const context = (calendarId: string): string => `webdav-push:${calendarId}`;

export function sealSecrets(pushKey: Buffer, calendarId: string, secrets: RegistrationSecrets): string {
  const { resourceSecret, keys } = secrets;
  const plain = { s: resourceSecret, d: toBase64Url(keys.privateKey), p: toBase64Url(keys.publicKey), a: toBase64Url(keys.authSecret) };
  return seal(pushKey, JSON.stringify(plain), context(calendarId));
}

/** Opens sealed secrets; CRYPTO error when the key or the calendar differ, or the value is damaged. */
export function openSecrets(pushKey: Buffer, calendarId: string, sealed: string): RegistrationSecrets {
  const { s, d, p, a } = JSON.parse(open(pushKey, sealed, context(calendarId))) as Record<string, string>;
  const privateKey = fromBase64Url(d ?? '', 32);
  const publicKey = fromBase64Url(p ?? '');
  const authSecret = fromBase64Url(a ?? '', 16);
  if (!str(s) || !privateKey || !isUncompressedP256(publicKey) || !authSecret) throw new CalsyncError('CRYPTO', 'sealed WebDAV-Push secrets are incomplete');
  return { resourceSecret: s, keys: { privateKey, publicKey, authSecret } };
}
