import { describe, expect, it } from 'vitest';
import { decryptPushMessage, newSubscriptionKeys, type SubscriptionKeys } from '../../../src/service/webdav-push/message-encryption.js';
import { encryptWebPush } from '../../support/web-push-sender.js';

const b = (text: string): Buffer => Buffer.from(text, 'base64url');

/** RFC 8291 Appendix A: every value as the RFC prints it (line breaks removed). */
const RFC8291 = {
  plaintext: 'When I grow up, I want to be a watermelon',
  asPrivate: 'yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw',
  uaPrivate: 'q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94',
  uaPublic: 'BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4',
  salt: 'DGv6ra1nlYgDCS1FRnbzlw',
  authSecret: 'BTBZMqHH6r4Tts7J_aSIgg',
  body:
    'DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN',
};

const rfcKeys: SubscriptionKeys = { privateKey: b(RFC8291.uaPrivate), publicKey: b(RFC8291.uaPublic), authSecret: b(RFC8291.authSecret) };

const decryptFails = (body: Buffer, keys: SubscriptionKeys = rfcKeys): string => {
  try {
    decryptPushMessage(body, keys);
  } catch (err) {
    expect(err).toMatchObject({ code: 'PUSH_DECRYPT_FAILED' });
    return (err as Error).message;
  }
  throw new Error('decrypted');
};

describe('RFC 8291 message decryption', () => {
  it('decrypts the Appendix A message with the user agent keys', () => {
    expect(decryptPushMessage(b(RFC8291.body), rfcKeys).toString('utf8')).toBe(RFC8291.plaintext);
  });

  it('the test sender reproduces Appendix A byte for byte (so the proxy sends real RFC 8291 messages)', () => {
    const body = encryptWebPush(Buffer.from(RFC8291.plaintext), b(RFC8291.uaPublic), b(RFC8291.authSecret), { senderPrivateKey: b(RFC8291.asPrivate), salt: b(RFC8291.salt) });
    expect(body.toString('base64url')).toBe(RFC8291.body);
  });

  it('always makes 32-byte private keys (ECDH drops leading zero bytes) that still decrypt', () => {
    for (let i = 0; i < 2000; i += 1) {
      const keys = newSubscriptionKeys();
      expect(keys.privateKey.length).toBe(32);
      if (keys.privateKey[0] !== 0) continue;
      expect(decryptPushMessage(encryptWebPush(Buffer.from('x'), keys.publicKey, keys.authSecret), keys).toString()).toBe('x');
    }
  });

  it('round-trips with fresh keys, and only for the keys it was made for', () => {
    const keys = newSubscriptionKeys();
    expect([keys.privateKey.length, keys.publicKey.length, keys.publicKey[0], keys.authSecret.length]).toEqual([32, 65, 4, 16]);
    const body = encryptWebPush(Buffer.from('<P:push-message/>'), keys.publicKey, keys.authSecret);
    expect(decryptPushMessage(body, keys).toString()).toBe('<P:push-message/>');
    expect(decryptFails(body, newSubscriptionKeys())).toMatch(/authentication failed/);
    expect(decryptFails(body, { ...keys, authSecret: Buffer.alloc(16) })).toMatch(/authentication failed/);
  });

  it('refuses tampered, truncated and malformed bodies', () => {
    const body = b(RFC8291.body);
    const flipped = Buffer.from(body);
    flipped[flipped.length - 20]! ^= 1;
    expect(decryptFails(flipped)).toMatch(/authentication failed/);
    expect(decryptFails(body.subarray(0, 10))).toMatch(/shorter than its header/);
    expect(decryptFails(body.subarray(0, 86 + 16))).toMatch(/no ciphertext/);
    const badKey = Buffer.from(body);
    badKey[21] = 3;
    expect(decryptFails(badKey)).toMatch(/not a P-256 public key/);
    const offCurve = Buffer.from(body);
    offCurve[30]! ^= 0xff;
    expect(decryptFails(offCurve)).toMatch(/not on the curve|authentication/);
    const tinyRecords = Buffer.from(body);
    tinyRecords.writeUInt32BE(17, 16);
    expect(decryptFails(tinyRecords)).toMatch(/record size below 18/);
    const twoRecords = Buffer.from(body);
    twoRecords.writeUInt32BE(40, 16);
    expect(decryptFails(twoRecords)).toMatch(/more than one record/);
  });

  it('strips zero padding after the last-record delimiter and needs that delimiter', () => {
    const keys = newSubscriptionKeys();
    const send = (trailer: number[]): Buffer => encryptWebPush(Buffer.from('AB'), keys.publicKey, keys.authSecret, { trailer: Buffer.from(trailer) });
    expect(decryptPushMessage(send([2, 0, 0, 0]), keys).toString()).toBe('AB');
    expect(decryptFails(send([]), keys)).toMatch(/no last-record padding delimiter/);
    expect(decryptFails(send([1]), keys)).toMatch(/no last-record padding delimiter/);
    expect(decryptFails(encryptWebPush(Buffer.alloc(0), keys.publicKey, keys.authSecret, { trailer: Buffer.alloc(1) }), keys)).toMatch(/no last-record padding delimiter/);
  });
});
