/**
 * Memory-server cursors: `m1.<epoch>.<seq>.<issuedAtMs>`. The epoch is per calendar and changes when a
 * test expires every cursor (as a server does after a restore or token reset); `issuedAtMs` lets the
 * server expire old tokens by age (Radicale: 30 days) against the injected clock.
 */
export interface MemoryCursor {
  epoch: string;
  seq: number;
  issuedAtMs: number;
}

const CURSOR_RE = /^m1\.([0-9a-f]+)\.(\d+)\.(\d+)$/;

export function encodeCursor(cursor: MemoryCursor): string {
  return `m1.${cursor.epoch}.${cursor.seq}.${cursor.issuedAtMs}`;
}

/** Undefined for anything that is not a well-formed memory cursor. */
export function decodeCursor(text: string): MemoryCursor | undefined {
  const match = CURSOR_RE.exec(text);
  if (!match) return undefined;
  const [, epoch, seq, issued] = match;
  if (epoch === undefined || seq === undefined || issued === undefined) return undefined;
  return { epoch, seq: Number(seq), issuedAtMs: Number(issued) };
}
