/** Compression bombs for the byte-cap tests and the RSS bench: built in 1 MiB pieces, never held inflated. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { constants, createBrotliCompress, createDeflate, createGzip } from 'node:zlib';
import type { Transform } from 'node:stream';

export type Encoding = 'gzip' | 'deflate' | 'br';

function compressor(encoding: Encoding): Transform {
  if (encoding === 'gzip') return createGzip({ level: 9 });
  if (encoding === 'deflate') return createDeflate({ level: 9 });
  return createBrotliCompress({ params: { [constants.BROTLI_PARAM_QUALITY]: 1 } });
}

/** `inflatedBytes` of one repeated character, compressed: a gzip of 300 MB is ~300 KB. */
export async function compressedBomb(encoding: Encoding, inflatedBytes: number): Promise<Buffer> {
  const z = compressor(encoding);
  const out: Buffer[] = [];
  z.on('data', (chunk: Buffer) => out.push(chunk));
  const ended = new Promise<void>((resolve, reject) => {
    z.on('end', resolve);
    z.on('error', reject);
  });
  const piece = Buffer.alloc(1024 * 1024, 'a');
  for (let written = 0; written < inflatedBytes; written += piece.length) {
    if (!z.write(piece)) await new Promise((resolve) => z.once('drain', resolve));
  }
  z.end();
  await ended;
  return Buffer.concat(out);
}

export interface BombServer {
  url: string;
  /** Requests answered. */
  hits: number;
  close(): Promise<void>;
}

/** A loopback server answering every request with `body` (declared with `encoding`) and `status`. */
export async function serveBomb(body: Buffer, encoding: Encoding, status = 207): Promise<BombServer> {
  const state = { hits: 0 };
  const server: Server = createServer((req, res) => {
    state.hits += 1;
    req.resume();
    res.writeHead(status, { 'content-type': 'application/xml; charset=utf-8', 'content-encoding': encoding, 'content-length': String(body.length) });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/cal/`,
    get hits() {
      return state.hits;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
