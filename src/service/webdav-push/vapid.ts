/**
 * VAPID (RFC 8292), the push service's side: a WebDAV-Push server that advertises a VAPID key signs
 * every push message with it — `Authorization: vapid t=<JWT>, k=<public key>`. We check that `k` is the
 * key the server advertised, that the JWT is ES256 and signed by it, that its `aud` is the origin of our
 * push resource and that it has not expired (and expires within 24 hours, RFC 8292 §2).
 */
import { createPublicKey, verify } from 'node:crypto';
import { CalsyncError } from '../../errors.js';
import { fromBase64Url, isUncompressedP256 } from '../../util/base64url.js';
import { safeEqual } from '../../util/crypto.js';

export interface VapidCheck {
  /** The request's Authorization header. */
  authorization: string | undefined;
  /** The key the WebDAV server advertised (`vapid-public-key`, base64url). */
  expectedKey: string;
  /** The origin of our push resource URL (`https://calsync.example.com`). */
  audience: string;
  /** Milliseconds since the epoch (the injected clock). */
  now: number;
}

const MAX_LIFETIME_S = 24 * 3600;
/** Clocks of two machines disagree a little. */
const SKEW_S = 300;

const invalid = (reason: string): CalsyncError => new CalsyncError('PUSH_VAPID_INVALID', `VAPID: ${reason}`);

/** `vapid t=…, k=…` → its parameters (RFC 8292 §3; auth-params may be quoted). */
function parseAuthorization(header: string): Map<string, string> | undefined {
  const match = /^vapid\s+(.+)$/i.exec(header.trim());
  if (!match?.[1]) return undefined;
  const params = new Map<string, string>();
  for (const part of match[1].split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) return undefined;
    params.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1'));
  }
  return params;
}

function jsonPart(text: string | undefined): Record<string, unknown> | undefined {
  const bytes = text === undefined ? undefined : fromBase64Url(text);
  if (!bytes) return undefined;
  try {
    const value = JSON.parse(bytes.toString('utf8')) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Throws PUSH_VAPID_INVALID (401) or, for another key than the advertised one, PUSH_VAPID_MISMATCH (403). */
export function verifyVapid(check: VapidCheck): void {
  const params = check.authorization === undefined ? undefined : parseAuthorization(check.authorization);
  const token = params?.get('t');
  const keyText = params?.get('k');
  if (!token || !keyText) throw invalid('missing or malformed Authorization (expected "vapid t=…, k=…")');
  const key = fromBase64Url(keyText);
  const expected = fromBase64Url(check.expectedKey);
  if (!isUncompressedP256(key)) throw invalid('k is not an uncompressed P-256 public key');
  if (!expected || !safeEqual(key, expected)) throw new CalsyncError('PUSH_VAPID_MISMATCH', 'VAPID: signed with another key than the server advertised');

  const [headerText, payloadText, signatureText, ...rest] = token.split('.');
  const header = jsonPart(headerText);
  const claims = jsonPart(payloadText);
  const signature = signatureText === undefined ? undefined : fromBase64Url(signatureText, 64);
  if (rest.length > 0 || !header || !claims || !signature) throw invalid('t is not a JWS compact serialization');
  if (header.alg !== 'ES256') throw invalid('the JWT is not ES256');
  const publicKey = createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: key.subarray(1, 33).toString('base64url'), y: key.subarray(33).toString('base64url') },
    format: 'jwk',
  });
  const signed = Buffer.from(`${headerText}.${payloadText}`, 'ascii');
  if (!verify('sha256', signed, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature)) throw invalid('bad signature');
  if (claims.aud !== check.audience) throw invalid('aud is not this push resource');
  const nowS = check.now / 1000;
  if (typeof claims.exp !== 'number' || claims.exp <= nowS - SKEW_S) throw invalid('expired');
  if (claims.exp > nowS + MAX_LIFETIME_S + SKEW_S) throw invalid('exp is more than 24 hours ahead');
}
