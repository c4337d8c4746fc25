/**
 * The sending side of Web Push, for tests: RFC 8291 message encryption (`aes128gcm`, one record) and
 * RFC 8292 VAPID signatures, written independently of calsync's receiving code so that the two check
 * each other (and both are pinned to the RFC 8291 Appendix A vector).
 */
import { createCipheriv, createECDH, generateKeyPairSync, hkdfSync, randomBytes, sign, type KeyObject } from 'node:crypto';

const b64u = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');

export interface EncryptOptions {
  /** The sender's ephemeral private key (default: a fresh one). */
  senderPrivateKey?: Buffer;
  salt?: Buffer;
  recordSize?: number;
  /** What follows the plaintext in the record. Default 0x02, the last-record delimiter (RFC 8188 §2). */
  trailer?: Buffer;
}

/** Encrypts `plaintext` for a subscription (`uaPublic`, `authSecret`): the whole `aes128gcm` body. */
export function encryptWebPush(plaintext: Buffer, uaPublic: Buffer, authSecret: Buffer, opts: EncryptOptions = {}): Buffer {
  const ecdh = createECDH('prime256v1');
  if (opts.senderPrivateKey) ecdh.setPrivateKey(opts.senderPrivateKey);
  else ecdh.generateKeys();
  const asPublic = ecdh.getPublicKey();
  const salt = opts.salt ?? randomBytes(16);
  const secret = ecdh.computeSecret(uaPublic);
  const ikm = Buffer.from(hkdfSync('sha256', secret, authSecret, Buffer.concat([Buffer.from('WebPush: info\0'), uaPublic, asPublic]), 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const cipher = createCipheriv('aes-128-gcm', cek, nonce);
  const record = Buffer.concat([cipher.update(Buffer.concat([plaintext, opts.trailer ?? Buffer.from([2])])), cipher.final(), cipher.getAuthTag()]);
  const rs = Buffer.alloc(4);
  rs.writeUInt32BE(opts.recordSize ?? 4096);
  return Buffer.concat([salt, rs, Buffer.from([asPublic.length]), asPublic, record]);
}

/** An application server's VAPID key pair and the `Authorization` header it signs requests with. */
export class VapidSigner {
  readonly publicKey: string;
  private readonly privateKey: KeyObject;

  constructor() {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = pair.publicKey.export({ format: 'jwk' });
    this.publicKey = b64u(Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x ?? '', 'base64url'), Buffer.from(jwk.y ?? '', 'base64url')]));
    this.privateKey = pair.privateKey;
  }

  /** `vapid t=<ES256 JWT>, k=<key>` for a push resource at `endpoint`; `claims` override aud/exp/sub. */
  authorization(endpoint: string, nowMs: number, claims: Record<string, unknown> = {}, header: Record<string, unknown> = { typ: 'JWT', alg: 'ES256' }): string {
    const body = { aud: new URL(endpoint).origin, exp: Math.floor(nowMs / 1000) + 12 * 3600, sub: 'mailto:push@dav.example', ...claims };
    const signed = `${b64u(Buffer.from(JSON.stringify(header)))}.${b64u(Buffer.from(JSON.stringify(body)))}`;
    const signature = sign('sha256', Buffer.from(signed), { key: this.privateKey, dsaEncoding: 'ieee-p1363' });
    return `vapid t=${signed}.${b64u(signature)}, k=${this.publicKey}`;
  }
}
