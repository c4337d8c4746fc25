/** A scripted fetch for client tests: each call is answered by a handler; calls are recorded. */
import type { FetchInit, FetchLike, FetchResponse } from '../../../src/providers/graph/http/transport.js';

export interface RecordedCall {
  url: string;
  init: FetchInit;
  body: unknown;
}

export function reply(status: number, body?: unknown, headers: Record<string, string> = {}): FetchResponse {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    status,
    headers: { get: (name: string) => lower[name.toLowerCase()] ?? null },
    text: async () => (body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body)),
  };
}

export const graphError = (status: number, code: string, headers: Record<string, string> = {}): FetchResponse =>
  reply(status, { error: { code, message: `${code} happened`, innerError: { 'request-id': 'req-1', date: '2026-06-01T00:00:00' } } }, headers);

export function fakeFetch(handler: (call: RecordedCall, index: number) => FetchResponse | Promise<FetchResponse>): FetchLike & { calls: RecordedCall[] } {
  const calls: RecordedCall[] = [];
  const fn = async (url: string, init: FetchInit): Promise<FetchResponse> => {
    const call = { url, init, body: init.body === undefined ? undefined : (JSON.parse(init.body) as unknown) };
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
