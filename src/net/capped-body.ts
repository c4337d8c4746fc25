/**
 * The ONE way a response body is read on calsync's outbound edge: through a byte cap that stops at the
 * limit. The cap counts the bytes the body stream yields — after decompression — so a 300 KB gzip body
 * inflating to 300 MB is refused after 1 MiB of inflated text with a 1 MiB limit, never after it was
 * inflated whole (`response.text()` then a length check did exactly that). Error bodies, 2xx bodies,
 * streamed or read whole: all come through here.
 */
import { CalsyncError } from '../errors.js';

/**
 * Default largest body READ WHOLE when the caller names none (Graph pages and `$batch` answers, CalDAV
 * PROPFIND Depth 0, GET of one resource, error bodies): it is held as one string and parsed whole, so a
 * few side by side must stay far from the process's memory (a Graph page of 100 events is well under it).
 */
export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;

/**
 * Default largest STREAMED body (a CalDAV listing read response by response, whose text is never all
 * held): 10,000 events are ~14 MB; the XML reader caps what one element may hold (xml.ts).
 */
export const DEFAULT_MAX_STREAMED_BYTES = 256 * 1024 * 1024;

export function tooLarge(maxBytes: number, declared?: number): CalsyncError {
  const what = declared === undefined ? 'response' : `response of ${declared} bytes`;
  return new CalsyncError('PROVIDER_REJECTED', `${what} exceeds the ${maxBytes}-byte limit`, {
    details: { reason: 'response-too-large', limitBytes: maxBytes },
  });
}

export interface CappedReadOptions {
  maxBytes: number;
  /** Aborts a stalled body (the attempt's timeout): the read rejects with `onStreamError(reason)`. */
  signal?: AbortSignal;
  /** Turns a failure of the body stream itself (reset, abort) into the caller's typed error. */
  onStreamError?: (err: unknown) => unknown;
}

/** A declared Content-Length over the cap is refused before a byte is read (the body is cancelled). */
async function checkDeclaredLength(response: Response, maxBytes: number): Promise<void> {
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge(maxBytes, declared);
  }
}

/**
 * The body as UTF-8 text chunks (a BOM dropped, as `Response.text()` does), never more than `maxBytes`
 * in all. A consumer that stops early, the cap and an abort all cancel the stream (which closes the
 * connection and the decompressor under it).
 */
export async function* cappedTextChunks(response: Response, options: CappedReadOptions): AsyncGenerator<string> {
  const { maxBytes, signal } = options;
  const streamError = options.onStreamError ?? ((err: unknown) => err);
  await checkDeclaredLength(response, maxBytes);
  const body = response.body;
  if (!body) return;
  const reader = body.getReader();
  // Cancelling ends a pending read (done), which is then told apart from the body's real end.
  const stop = (): void => void reader.cancel().catch(() => undefined);
  signal?.addEventListener('abort', stop, { once: true });
  const decoder = new TextDecoder('utf-8');
  let bytes = 0;
  let done = false;
  try {
    for (;;) {
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        if (signal?.aborted) throw signal.reason;
        next = await reader.read();
        if (signal?.aborted) throw signal.reason;
      } catch (err) {
        throw streamError(err);
      }
      if (next.done) break;
      bytes += next.value.byteLength;
      if (bytes > maxBytes) throw tooLarge(maxBytes);
      const text = decoder.decode(next.value, { stream: true });
      if (text !== '') yield text;
    }
    done = true;
    const rest = decoder.decode();
    if (rest !== '') yield rest;
  } finally {
    signal?.removeEventListener('abort', stop);
    if (!done) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

/** The whole body as text, read through the cap (`cappedTextChunks` joined). */
export async function readCappedText(response: Response, options: CappedReadOptions): Promise<string> {
  const parts: string[] = [];
  for await (const chunk of cappedTextChunks(response, options)) parts.push(chunk);
  return parts.join('');
}

/** Drops a body unread (an answer whose status is all the caller needs): cancels the stream. */
export async function discardBody(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
}
