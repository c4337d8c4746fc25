/**
 * The Graph client on the one outbound edge (issue 10, "one edge"): the shared status table with
 * Graph's override, the byte cap on every body, and a cockatiel circuit breaker per origin.
 */
import { describe, expect, it } from 'vitest';
import { CalsyncError } from '../../src/errors.js';
import { ServerPolicies } from '../../src/net/resilience.js';
import { codeForStatus, GRAPH_STATUS_OVERRIDES } from '../../src/net/status-errors.js';
import { GraphClient, type GraphClientOptions } from '../../src/providers/graph/client.js';
import { fakeFetch, fakeSleep, graphError, reply } from './support/fake-fetch.js';

const BASE = 'https://graph.test/v1.0';

function client(fetch: GraphClientOptions['fetch'], over: Partial<GraphClientOptions> = {}): { c: GraphClient; sleep: ReturnType<typeof fakeSleep> } {
  const sleep = fakeSleep();
  return { c: new GraphClient({ baseUrl: BASE, fetch, sleep, getToken: async () => 'token', ...over }), sleep };
}

async function rejection(p: Promise<unknown>): Promise<CalsyncError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CalsyncError);
  return error as CalsyncError;
}

describe('one status table, Graph overrides', () => {
  it.each([
    [410, 'PROVIDER_NOT_FOUND', 'PROVIDER_INVALID_SYNC_TOKEN'],
    [504, 'PROVIDER_TIMEOUT', 'PROVIDER_TIMEOUT'],
    [501, 'PROVIDER_REJECTED', 'PROVIDER_REJECTED'],
    [507, 'PROVIDER_REJECTED', 'PROVIDER_REJECTED'],
    [503, 'PROVIDER_UNAVAILABLE', 'PROVIDER_UNAVAILABLE'],
    [401, 'PROVIDER_AUTH', 'PROVIDER_AUTH'],
    [418, 'PROVIDER_REJECTED', 'PROVIDER_REJECTED'],
  ])('HTTP %i: CalDAV %s, Graph %s', (status, dav, graph) => {
    expect(codeForStatus(status)).toBe(dav);
    expect(codeForStatus(status, GRAPH_STATUS_OVERRIDES)).toBe(graph);
  });

  it('a 501 or 507 from Graph is permanent: one request, no retry', async () => {
    for (const status of [501, 507]) {
      const fetch = fakeFetch(() => graphError(status, 'NotSupported'));
      const { c, sleep } = client(fetch);
      const error = await rejection(c.send({ method: 'GET', url: '/me/events' }));
      expect(error).toMatchObject({ code: 'PROVIDER_REJECTED', retryable: false });
      expect(fetch.calls).toHaveLength(1);
      expect(sleep.waits).toEqual([]);
    }
  });
});

describe('the byte cap', () => {
  it('refuses a body over the limit, without retrying it', async () => {
    const fetch = fakeFetch(() => reply(200, { value: 'x'.repeat(64 * 1024) }));
    const { c } = client(fetch, { maxResponseBytes: 1024 });
    const error = await rejection(c.send({ method: 'GET', url: '/me/events' }));
    expect(error).toMatchObject({ code: 'PROVIDER_REJECTED', details: { reason: 'response-too-large', limitBytes: 1024 } });
    expect(fetch.calls).toHaveLength(1);
  });
});

describe('the circuit breaker', () => {
  it('opens after consecutive outages and then fails fast without sending', async () => {
    const fetch = fakeFetch(() => graphError(500, 'InternalServerError'));
    const policies = new ServerPolicies({ breakerThreshold: 3, halfOpenAfterMs: 60_000 });
    const { c } = client(fetch, { policies });
    for (let i = 0; i < 3; i++) expect((await rejection(c.send({ method: 'GET', url: '/me/events' }))).code).toBe('PROVIDER_UNAVAILABLE');
    expect(policies.state('https://graph.test')).toBe('open');
    const fast = await rejection(c.send({ method: 'GET', url: '/me/events' }));
    expect(fast).toMatchObject({ code: 'PROVIDER_CIRCUIT_OPEN', retryable: true, retryAfterS: 60 });
    expect(fetch.calls).toHaveLength(3);
  });

  it('counts network failures inside one request\'s retries, and stops retrying once open', async () => {
    const fetch = fakeFetch(() => {
      throw new TypeError('socket hang up');
    });
    const { c, sleep } = client(fetch, { resilience: { breakerThreshold: 2 } });
    const error = await rejection(c.send({ method: 'GET', url: '/me/events' }));
    expect(error.code).toBe('PROVIDER_CIRCUIT_OPEN');
    expect(fetch.calls).toHaveLength(2);
    expect(sleep.waits).toHaveLength(2);
  });

  it('throttling (429, 503 with Retry-After) is no outage: the circuit stays closed', async () => {
    let n = 0;
    const fetch = fakeFetch(() => (n++ % 2 === 0 ? graphError(429, 'TooManyRequests', { 'Retry-After': '1' }) : graphError(503, 'ServiceUnavailable', { 'Retry-After': '1' })));
    const policies = new ServerPolicies({ breakerThreshold: 2 });
    const { c } = client(fetch, { policies, maxAttempts: 6 });
    expect((await rejection(c.send({ method: 'GET', url: '/me/events' }))).code).toMatch(/PROVIDER_(THROTTLED|UNAVAILABLE)/);
    expect(fetch.calls).toHaveLength(6);
    expect(policies.state('https://graph.test')).toBe('closed');
  });

  it('a success closes the count again', async () => {
    let n = 0;
    const fetch = fakeFetch(() => (n++ % 2 === 0 ? graphError(502, 'BadGateway') : reply(200, { ok: true })));
    const policies = new ServerPolicies({ breakerThreshold: 2 });
    const { c } = client(fetch, { policies });
    for (let i = 0; i < 4; i++) await c.send({ method: 'GET', url: '/me/events' }).catch(() => undefined);
    expect(policies.state('https://graph.test')).toBe('closed');
  });
});
