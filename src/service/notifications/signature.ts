/**
 * Signing notification webhooks, and checking them on the receiving side.
 *
 * Every delivery follows the Standard Webhooks specification (signed with the maintained
 * `standardwebhooks` library): `webhook-id` (stable across retries), `webhook-timestamp` (Unix seconds of
 * this attempt), `webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">` under the
 * secret's bytes (`whsec_<base64>`). Receivers verify with any Standard Webhooks verifier.
 *
 * The pre-Standard headers below are sent too when the endpoint asks for them (kept for one release):
 * Every delivery carries `X-Calsync-Event-Id` (stable across retries), `X-Calsync-Timestamp` (Unix
 * seconds of this attempt) and `X-Calsync-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`
 * under the endpoint's secret. A receiver recomputes the HMAC over the raw body, compares in constant
 * time, refuses timestamps outside a tolerance (default 5 minutes) — so a captured request cannot be
 * replayed later — and drops event ids it has already processed (retries reuse the id).
 */
import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { safeEqual } from '../../util/crypto.js';

export const WEBHOOK_ID_HEADER = 'webhook-id';
export const WEBHOOK_TIMESTAMP_HEADER = 'webhook-timestamp';
export const WEBHOOK_SIGNATURE_HEADER = 'webhook-signature';
const SECRET_PREFIX = 'whsec_';

/**
 * The secret's key bytes. Node's base64 decoder also reads the base64url secrets of endpoints registered
 * before Standard Webhooks (their receivers give a verifier the same bytes: `new Webhook(bytes, { format: 'raw' })`).
 */
export function secretBytes(secret: string): Buffer {
  return Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
}

/** The three Standard Webhooks headers for one attempt. */
export function standardHeaders(secret: string, id: string, timestampS: number, body: string): Record<string, string> {
  return {
    [WEBHOOK_ID_HEADER]: id,
    [WEBHOOK_TIMESTAMP_HEADER]: String(timestampS),
    [WEBHOOK_SIGNATURE_HEADER]: new Webhook(secretBytes(secret), { format: 'raw' }).sign(id, new Date(timestampS * 1000), body),
  };
}

export const EVENT_ID_HEADER = 'x-calsync-event-id';
export const EVENT_TYPE_HEADER = 'x-calsync-event';
export const TIMESTAMP_HEADER = 'x-calsync-timestamp';
export const SIGNATURE_HEADER = 'x-calsync-signature';
export const DEFAULT_TOLERANCE_S = 300;

export function sign(secret: string, timestampS: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestampS}.${body}`, 'utf8').digest('hex')}`;
}

export interface VerifyInput {
  secret: string;
  /** The raw request body, exactly as received. */
  body: string;
  timestamp: string | undefined;
  signature: string | undefined;
  /** Receiver's clock, epoch ms (default now). */
  nowMs?: number;
  toleranceS?: number;
}

export type VerifyResult = { ok: true } | { ok: false; reason: 'missing_headers' | 'stale_timestamp' | 'bad_signature' };

/** The receiver's check (replay protection by event id is the receiver's part: remember the ids seen). */
export function verifySignature(input: VerifyInput): VerifyResult {
  if (!input.timestamp || !input.signature || !/^\d+$/.test(input.timestamp)) return { ok: false, reason: 'missing_headers' };
  const ts = Number(input.timestamp);
  const now = (input.nowMs ?? Date.now()) / 1000;
  if (Math.abs(now - ts) > (input.toleranceS ?? DEFAULT_TOLERANCE_S)) return { ok: false, reason: 'stale_timestamp' };
  return safeEqual(sign(input.secret, ts, input.body), input.signature) ? { ok: true } : { ok: false, reason: 'bad_signature' };
}
