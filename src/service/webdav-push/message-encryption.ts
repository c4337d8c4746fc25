/**
 * Web Push message encryption, the receiving side (RFC 8291 on RFC 8188 `aes128gcm`), on node:crypto.
 *
 * The body is `salt(16) ‖ rs(4) ‖ idlen(1) ‖ keyid(idlen) ‖ record`; for Web Push the keyid is the
 * sender's ephemeral P-256 key (`as_public`) and there is exactly one record (RFC 8291 §4). Keys:
 *   ecdh_secret = ECDH(ua_private, as_public)
 *   IKM   = HKDF(salt = auth_secret, ecdh_secret, "WebPush: info" 0x00 ‖ ua_public ‖ as_public, 32)
 *   CEK   = HKDF(salt, IKM, "Content-Encoding: aes128gcm" 0x00, 16)
 *   NONCE = HKDF(salt, IKM, "Content-Encoding: nonce" 0x00, 12)
 * The record is AES-128-GCM (16-byte tag) over `plaintext ‖ 0x02 ‖ zero padding`.
 */
import { createDecipheriv, createECDH, hkdfSync, randomBytes } from 'node:crypto';
import { CalsyncError } from '../../errors.js';
import { isUncompressedP256 } from '../../util/base64url.js';

/** Our side of one subscription: the key pair and the auth secret we registered with. */
export interface SubscriptionKeys {
  /** P-256 private scalar, 32 bytes. */
  privateKey: Buffer;
  /** Uncompressed P-256 point, 65 bytes (`ua_public`). */
  publicKey: Buffer;
  /** 16 bytes (`auth_secret`). */
  authSecret: Buffer;
}

const SALT_BYTES = 16;
const HEADER_FIXED = SALT_BYTES + 4 + 1;
const TAG_BYTES = 16;
/** RFC 8188 §2: a record size below 18 cannot hold a tag, a delimiter and a byte. */
const MIN_RECORD_SIZE = 18;

export function newSubscriptionKeys(): SubscriptionKeys {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  // getPrivateKey drops leading zero bytes (one key in 256): always keep the full 32-byte scalar.
  const scalar = ecdh.getPrivateKey();
  return { privateKey: Buffer.concat([Buffer.alloc(32 - scalar.length), scalar]), publicKey: ecdh.getPublicKey(), authSecret: randomBytes(16) };
}

const fail = (reason: string, cause?: unknown): CalsyncError =>
  new CalsyncError('PUSH_DECRYPT_FAILED', `push message does not decrypt: ${reason}`, cause === undefined ? {} : { cause });

function hkdf(ikm: Buffer, salt: Buffer, info: Buffer, length: number): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, salt, info, length));
}

const info = (label: string): Buffer => Buffer.from(`${label}\0`, 'latin1');

/** Decrypts an `aes128gcm` Web Push message; PUSH_DECRYPT_FAILED for anything that is not one made for `keys`. */
export function decryptPushMessage(body: Buffer, keys: SubscriptionKeys): Buffer {
  if (body.length < HEADER_FIXED) throw fail('shorter than its header');
  const salt = body.subarray(0, SALT_BYTES);
  const recordSize = body.readUInt32BE(SALT_BYTES);
  const idLength = body[HEADER_FIXED - 1] ?? 0;
  const senderPublic = body.subarray(HEADER_FIXED, HEADER_FIXED + idLength);
  const record = body.subarray(HEADER_FIXED + idLength);
  if (!isUncompressedP256(Buffer.from(senderPublic))) throw fail('the key id is not a P-256 public key');
  if (recordSize < MIN_RECORD_SIZE) throw fail('record size below 18');
  if (record.length <= TAG_BYTES) throw fail('no ciphertext');
  if (record.length > recordSize) throw fail('more than one record');

  let ecdhSecret: Buffer;
  try {
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(keys.privateKey);
    ecdhSecret = ecdh.computeSecret(senderPublic);
  } catch (err) {
    throw fail('the sender key is not on the curve', err);
  }
  const ikm = hkdf(ecdhSecret, keys.authSecret, Buffer.concat([info('WebPush: info'), keys.publicKey, senderPublic]), 32);
  const cek = hkdf(ikm, salt, info('Content-Encoding: aes128gcm'), 16);
  const nonce = hkdf(ikm, salt, info('Content-Encoding: nonce'), 12);

  let padded: Buffer;
  try {
    const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
    decipher.setAuthTag(record.subarray(record.length - TAG_BYTES));
    padded = Buffer.concat([decipher.update(record.subarray(0, record.length - TAG_BYTES)), decipher.final()]);
  } catch (err) {
    throw fail('authentication failed (other keys, or tampered)', err);
  }
  // The last (here: only) record ends with 0x02 followed by any number of zero bytes.
  let end = padded.length;
  while (end > 0 && padded[end - 1] === 0) end -= 1;
  if (end === 0 || padded[end - 1] !== 0x02) throw fail('no last-record padding delimiter');
  return padded.subarray(0, end - 1);
}
