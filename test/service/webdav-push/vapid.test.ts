import { describe, expect, it } from 'vitest';
import { verifyVapid, type VapidCheck } from '../../../src/service/webdav-push/vapid.js';
import { VapidSigner } from '../../support/web-push-sender.js';

const NOW = Date.UTC(2026, 5, 1, 12);
const ENDPOINT = 'https://calsync.example.com/webhooks/webdav-push/t.c.s';
const server = new VapidSigner();

const check = (authorization: string | undefined, over: Partial<VapidCheck> = {}): VapidCheck => ({ authorization, expectedKey: server.publicKey, audience: 'https://calsync.example.com', now: NOW, ...over });
const codeOf = (c: VapidCheck): string | undefined => {
  try {
    verifyVapid(c);
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  }
};

describe('VAPID (RFC 8292) as a push service checks it', () => {
  it('accepts a token signed with the advertised key for our origin', () => {
    expect(codeOf(check(server.authorization(ENDPOINT, NOW)))).toBeUndefined();
    // Parameters in any order, quoted values, any case of the scheme.
    const [t, k] = server.authorization(ENDPOINT, NOW).slice('vapid '.length).split(', ');
    expect(codeOf(check(`Vapid ${k},${t?.replace('t=', 't="')}"`))).toBeUndefined();
  });

  it('refuses another key (403) and a token signed by another key than k (401)', () => {
    const other = new VapidSigner();
    expect(codeOf(check(other.authorization(ENDPOINT, NOW)))).toBe('PUSH_VAPID_MISMATCH');
    const forged = other.authorization(ENDPOINT, NOW).replace(/k=.*$/, `k=${server.publicKey}`);
    expect(codeOf(check(forged))).toBe('PUSH_VAPID_INVALID');
  });

  it('refuses a missing or malformed header, a bad k and a token that is not ES256 JWS', () => {
    for (const header of [undefined, '', 'Bearer abc', 'vapid t=abc', `vapid k=${server.publicKey}`, 'vapid nonsense', `WebPush ${server.authorization(ENDPOINT, NOW)}`]) {
      expect(codeOf(check(header)), String(header)).toBe('PUSH_VAPID_INVALID');
    }
    expect(codeOf(check(`vapid t=a.b.c, k=${Buffer.alloc(33, 2).toString('base64url')}`))).toBe('PUSH_VAPID_INVALID');
    expect(codeOf(check(`vapid t=a.b.c, k=${server.publicKey}`))).toBe('PUSH_VAPID_INVALID');
    expect(codeOf(check(server.authorization(ENDPOINT, NOW, {}, { typ: 'JWT', alg: 'none' })))).toBe('PUSH_VAPID_INVALID');
    const extraPart = server.authorization(ENDPOINT, NOW).replace(', k=', '.x, k=');
    expect(codeOf(check(extraPart))).toBe('PUSH_VAPID_INVALID');
  });

  it('refuses another audience, an expired token and one valid for more than 24 hours', () => {
    expect(codeOf(check(server.authorization('https://elsewhere.example.com/push', NOW)))).toBe('PUSH_VAPID_INVALID');
    expect(codeOf(check(server.authorization(ENDPOINT, NOW, { exp: NOW / 1000 - 3600 })))).toBe('PUSH_VAPID_INVALID');
    expect(codeOf(check(server.authorization(ENDPOINT, NOW, { exp: NOW / 1000 + 48 * 3600 })))).toBe('PUSH_VAPID_INVALID');
    expect(codeOf(check(server.authorization(ENDPOINT, NOW, { exp: 'tomorrow' })))).toBe('PUSH_VAPID_INVALID');
    // A few minutes of clock skew are tolerated both ways.
    expect(codeOf(check(server.authorization(ENDPOINT, NOW, { exp: NOW / 1000 - 60 })))).toBeUndefined();
    expect(codeOf(check(server.authorization(ENDPOINT, NOW, { exp: NOW / 1000 + 24 * 3600 + 60 })))).toBeUndefined();
  });
});
