/** A scripted fetch for client tests: each call is answered by a handler; calls are recorded. */
import type { FetchInit, FetchLike } from '../../../src/net/types.js';

/** What the client sent (its headers are always a plain record). */
export interface RecordedInit extends FetchInit {
  method: string;
  headers: Record<string, string>;
}

export interface RecordedCall {
  url: string;
  init: RecordedInit;
  body: unknown;
}

/** Statuses whose responses have no body (the Response constructor refuses one). */
const NULL_BODY = new Set([204, 205, 304]);

export function reply(status: number, body?: unknown, headers: Record<string, string> = {}): Response {
  const text = body === undefined || NULL_BODY.has(status) ? null : typeof body === 'string' ? body : JSON.stringify(body);
  return new Response(text, { status, headers });
}

export const graphError = (status: number, code: string, headers: Record<string, string> = {}): Response =>
  reply(status, { error: { code, message: `${code} happened`, innerError: { 'request-id': 'req-1', date: '2026-06-01T00:00:00' } } }, headers);

export function fakeFetch(handler: (call: RecordedCall, index: number) => Response | Promise<Response>): FetchLike & { calls: RecordedCall[] } {
  const calls: RecordedCall[] = [];
  const fn = async (url: string, init: FetchInit): Promise<Response> => {
    const recorded = { ...init, method: init.method ?? 'GET', headers: (init.headers ?? {}) as Record<string, string> };
    const call = { url, init: recorded, body: init.body === undefined ? undefined : (JSON.parse(init.body) as unknown) };
    calls.push(call);
    return handler(call, calls.length - 1);
  };
  return Object.assign(fn, { calls });
}

/** A sleep that records the waits and returns at once. */
export function fakeSleep(): ((ms: number) => Promise<void>) & { waits: number[] } {
  const waits: number[] = [];
  return Object.assign(async (ms: number) => {
    waits.push(ms);
  }, { waits });
}
