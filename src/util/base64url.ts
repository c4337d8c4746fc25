/**
 * Strict base64url (RFC 4648 §5). `Buffer.from(text, 'base64url')` skips characters it does not know,
 * so a mangled key would decode to other bytes instead of failing: the text is checked first.
 */
const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;

/** The decoded bytes, or undefined when `text` is not base64url (or not `length` bytes long, when given). */
export function fromBase64Url(text: string, length?: number): Buffer | undefined {
  const trimmed = text.trim();
  if (!BASE64URL.test(trimmed) || trimmed.replace(/=+$/, '').length % 4 === 1) return undefined;
  const bytes = Buffer.from(trimmed, 'base64url');
  return length === undefined || bytes.length === length ? bytes : undefined;
}

export function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

/** An uncompressed P-256 point (0x04 ‖ x ‖ y), as Web Push keys are written. */
export function isUncompressedP256(bytes: Buffer | undefined): bytes is Buffer {
  return bytes !== undefined && bytes.length === 65 && bytes[0] === 0x04;
}
