/**
 * Finding 1 (issue 10): the SSRF guard read addresses by hand and never checked IP literals at
 * connect time. Refusals are proven against loopback only: every address that is actually dialled
 * here lands on 127.0.0.1 or ::1; the other special ranges are checked without any connection.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CalsyncError } from '../../src/errors.js';
import { addressRange, isLoopbackHost, isPrivateAddress, isPublicAddress } from '../../src/net/address-guard.js';
import { guardedFetch, unguardedFetch, type Resolver } from '../../src/net/http-fetch.js';
import { assertAllowedUrl } from '../../src/net/url-policy.js';
import { DavClient } from '../../src/providers/caldav/dav-client.js';
import { fakeFetch } from '../caldav/fake-fetch.js';

const resolverFor =
  (answers: Record<string, string[]>): Resolver =>
  (hostname, callback) => {
    const addresses = answers[hostname];
    if (!addresses) callback(Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
    else callback(null, addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
  };

async function codeOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'resolved',
    (e: unknown) => (e instanceof CalsyncError ? e.code : `other: ${String(e)}`),
  );
}

describe('address classification (ipaddr.js)', () => {
  it.each([
    ['::ffff:7f00:1', 'ipv4Mapped'],
    ['::ffff:127.0.0.1', 'ipv4Mapped'],
    ['::ffff:a9fe:a9fe', 'ipv4Mapped'],
    ['::7f00:1', 'ipv4Compatible'],
    // ipaddr.js reads the dotted IPv4-compatible form as mapped; refused either way.
    ['::127.0.0.1', 'ipv4Mapped'],
    ['64:ff9b::7f00:1', 'rfc6052'],
    ['64:ff9b:1::7f00:1', 'rfc6052'],
    ['2002:7f00:1::', '6to4'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'teredo'],
    ['::ffff:0:7f00:1', 'rfc6145'],
    ['0x7f.1', 'loopback'],
    ['2130706433', 'loopback'],
    ['017700000001', 'loopback'],
    ['0177.0.0.1', 'loopback'],
    ['169.254.169.254', 'linkLocal'],
    ['fe80::1%eth0', 'linkLocal'],
    ['192.0.2.1', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'broadcast'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['fd00::1', 'uniqueLocal'],
    ['2001:db8::1', 'reserved'],
    ['::', 'ipv4Compatible'],
    ['::1', 'ipv4Compatible'],
  ])('%s is refused (%s)', (ip, range) => {
    expect(addressRange(ip)).toBe(range);
    expect(isPublicAddress(ip)).toBe(false);
    expect(isPrivateAddress(ip)).toBe(true);
  });

  it.each(['17.253.144.10', '8.8.8.8', '2606:4700::1111', '[2a00:1450:4001::200e]'])('%s is public', (ip) => {
    expect(isPublicAddress(ip)).toBe(true);
    expect(isPrivateAddress(ip)).toBe(false);
  });

  it('host names are no addresses', () => {
    expect(addressRange('caldav.icloud.com')).toBeUndefined();
    expect(isPrivateAddress('caldav.icloud.com')).toBe(false);
  });

  it('knows loopback hosts in every spelling', () => {
    for (const host of ['localhost', 'cal.localhost', 'localhost.', '127.0.0.1', '127.1.2.3', '[::1]', '::ffff:127.0.0.1', '[::ffff:7f00:1]']) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['caldav.icloud.com', '10.0.0.5', '[fd00::1]', '128.0.0.1', 'localhost.example.com']) expect(isLoopbackHost(host), host).toBe(false);
  });
});

describe('assertAllowedUrl refuses every spelling of an inward address (no connection made)', () => {
  it.each([
    'https://[::ffff:127.0.0.1]/',
    'https://[::ffff:7f00:1]/',
    'https://[::ffff:a9fe:a9fe]/latest/meta-data/',
    'https://[::7f00:1]/',
    'https://[64:ff9b::7f00:1]/',
    'https://[2002:7f00:1::]/',
    'https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/',
    'https://2130706433/',
    'https://0x7f.1/',
    'https://0177.0.0.1/',
    'https://169.254.169.254/',
    'https://localhost./',
  ])('%s', async (url) => {
    expect(await codeOf(assertAllowedUrl(url))).toBe('VALIDATION');
  });

  it('refuses a name when any DNS answer is special-purpose', async () => {
    expect(await codeOf(assertAllowedUrl('https://cal.example.com/', { lookup: async () => ['17.253.144.10', '::ffff:7f00:1'] }))).toBe('VALIDATION');
    expect(await codeOf(assertAllowedUrl('https://cal.example.com/', { lookup: async () => ['17.253.144.10'] }))).toBe('resolved');
  });
});

describe('guardedFetch checks the address it connects to (loopback targets only)', () => {
  let server: Server;
  let port: number;
  let hits = 0;
  beforeAll(async () => {
    server = createServer((_req, res) => {
      hits += 1;
      res.end('internal secrets');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('the server is reachable as [::ffff:7f00:1] without the guard (so the refusals below are the guard)', async () => {
    const res = await unguardedFetch()(`http://[::ffff:7f00:1]:${port}/`, { method: 'GET' });
    expect(await res.text()).toBe('internal secrets');
    expect(hits).toBe(1);
    hits = 0;
  });

  it.each(['[::ffff:7f00:1]', '[::ffff:127.0.0.1]', '127.0.0.1', '2130706433', '0x7f.1', '0177.0.0.1'])('refuses the literal %s before connecting', async (host) => {
    expect(await codeOf(guardedFetch(resolverFor({}))(`http://${host}:${port}/`, { method: 'GET' }))).toBe('VALIDATION');
    expect(hits).toBe(0);
  });

  it.each([['127.0.0.1'], ['::ffff:127.0.0.1'], ['::ffff:7f00:1'], ['17.253.144.10', '127.0.0.1']])('refuses a name whose DNS answers include %s', async (...answers) => {
    expect(await codeOf(guardedFetch(resolverFor({ 'rebind.test': answers }))(`http://rebind.test:${port}/`, { method: 'GET' }))).toBe('VALIDATION');
    expect(hits).toBe(0);
  });

  it('refuses localhost through the system resolver', async () => {
    expect(await codeOf(guardedFetch()(`http://localhost:${port}/`, { method: 'GET' }))).toBe('VALIDATION');
    expect(hits).toBe(0);
  });
});

describe('every redirect hop is checked (no connection made: a scripted fetch)', () => {
  it.each(['https://[::ffff:7f00:1]/cal/', 'https://[::ffff:a9fe:a9fe]/latest/', 'https://0x7f.1/cal/', 'https://inward.example.com/cal/'])('a redirect to %s is refused before it is requested', async (location) => {
    const fake = fakeFetch(() => new Response(null, { status: 301, headers: { location } }));
    const client = new DavClient({
      trustedUrl: 'https://cal.example.com/',
      fetch: fake.fetch,
      lookup: async (host) => (host === 'cal.example.com' ? ['17.253.144.10'] : ['10.0.0.7']),
      resilience: { maxAttempts: 1 },
    });
    expect(await codeOf(client.request({ method: 'PROPFIND', url: 'https://cal.example.com/', followRedirects: true }))).toBe('VALIDATION');
    expect(fake.calls.map((c) => c.url)).toEqual(['https://cal.example.com/']);
  });
});
