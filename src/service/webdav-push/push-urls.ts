/**
 * The push resource URLs WebDAV servers POST messages to:
 * `<CALSYNC_PUBLIC_URL>/webhooks/webdav-push/<tenant>.<calendar>.<secret>`. The tenant and calendar
 * route the message without a lookup table (like the Graph webhook's query string); the 256-bit secret
 * makes the URL unguessable and is compared in constant time with the sealed copy.
 */
import { randomBytes } from 'node:crypto';

export const WEBDAV_PUSH_PATH = '/webhooks/webdav-push';

export interface PushTarget {
  tenantId: string;
  calendarId: string;
  secret: string;
}

const PART = /^[A-Za-z0-9_-]{1,64}$/;

/** 32 random bytes, base64url (43 characters). */
export function newResourceSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function pushResourceUrl(publicUrl: string, target: PushTarget): string {
  return `${publicUrl.replace(/\/+$/, '')}${WEBDAV_PUSH_PATH}/${target.tenantId}.${target.calendarId}.${target.secret}`;
}

/** The target named by the last path segment, or undefined when it is not one of ours. */
export function parsePushResourceId(id: string): PushTarget | undefined {
  const parts = id.split('.');
  if (parts.length !== 3 || !parts.every((p) => PART.test(p))) return undefined;
  const [tenantId, calendarId, secret] = parts as [string, string, string];
  return { tenantId, calendarId, secret };
}
