/** Connect-time address checks: a name that passed the URL check but resolves to loopback is refused. */
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CalsyncError } from '../../src/errors.js';
import { DavClient } from '../../src/providers/caldav/dav-client.js';
import { isLoopbackHost } from '../../src/net/address-guard.js';
import { guardedFetch, guardedLookup, unguardedFetch, type Resolver } from '../../src/net/http-fetch.js';
import { readMultistatus } from '../../src/providers/caldav/multistatus.js';

const resolverFor =
  (answers: Record<string, string[]>): Resolver =>
  (hostname, callback) => {
    const addresses = answers[hostname];
    if (!addresses) callback(Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
    else callback(null, addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
  };

function lookupOnce(resolver: Resolver, hostname: string, all: boolean): Promise<{ err: Error | null; address: unknown; family?: number }> {
  return new Promise((resolve) => {
    const lookup = guardedLookup(resolver) as unknown as (h: string, o: { all: boolean }, cb: (err: Error | null, address: unknown, family?: number) => void) => void;
    lookup(hostname, { all }, (err, address, family) => resolve({ err, address, family }));
  });
}

describe('guardedLookup', () => {
  const resolver = resolverFor({ 'cal.example.com': ['93.184.216.34', '2606:2800:220:1::1'], 'rebind.example': ['93.184.216.34', '127.0.0.1'] });

  it('passes public addresses through, one or all', async () => {
    expect(await lookupOnce(resolver, 'cal.example.com', false)).toEqual({ err: null, address: '93.184.216.34', family: 4 });
    const all = await lookupOnce(resolver, 'cal.example.com', true);
    expect(all.address).toHaveLength(2);
  });

  it('refuses a name with any private address, and passes resolver errors on', async () => {
    const refused = await lookupOnce(resolver, 'rebind.example', false);
    expect(refused.err).toBeInstanceOf(CalsyncError);
    expect((refused.err as CalsyncError).code).toBe('VALIDATION');
    expect((await lookupOnce(resolver, 'nowhere.example', false)).err?.message).toMatch(/ENOTFOUND/);
    expect((await lookupOnce(resolverFor({ 'empty.example': [] }), 'empty.example', false)).err).toBeInstanceOf(CalsyncError);
  });
});

describe('guardedFetch against a real local server', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((_req, res) => res.end('internal secrets'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('refuses to connect when DNS answers loopback after the URL check passed (rebinding)', async () => {
    const client = new DavClient({
      trustedUrl: `https://rebind.example:${port}/`,
      username: 'u',
      password: 'p',
      lookup: async () => ['93.184.216.34'],
      fetch: guardedFetch(resolverFor({ 'rebind.example': ['127.0.0.1'] })),
      resilience: { baseDelayMs: 1 },
    });
    const error = await client.request({ method: 'GET', url: `https://rebind.example:${port}/` }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CalsyncError);
    expect((error as CalsyncError).code).toBe('VALIDATION');
    expect(client.stats.requests).toBe(1);
  });

  it('refuses IP literals too (net.connect skips lookup for them; the guard checks them before connecting)', async () => {
    const error = await guardedFetch(resolverFor({}))(`http://127.0.0.1:${port}/`, { method: 'GET' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as CalsyncError).code).toBe('VALIDATION');
    const res = await unguardedFetch()(`http://127.0.0.1:${port}/`, { method: 'GET' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe('16');
    expect(await res.text()).toBe('internal secrets');
  });
});

/**
 * Regression: undici 7.30.2 (the npm package the provider used to fetch with, and the global dispatcher
 * Node's built-in fetch ran on once that package was loaded) crashed the whole process with an
 * uncatchable `AssertionError: assert(!this.paused)` when a server sent a large gzip'd body and closed
 * the connection — what Radicale does on every response; a 1,000-event import died of it.
 */
describe('large gzip responses from a server that closes the connection (undici#5360)', () => {
  const text = Array.from({ length: 20_000 }, (_, i) => `<d:response><d:href>/cal/${i}.ics</d:href>UID:${i * 7919} ${Math.sin(i)}</d:response>`).join('');
  const gzipped = gzipSync(Buffer.from(text));
  let server: ReturnType<typeof createTcpServer>;
  let port: number;
  beforeAll(async () => {
    // HTTP/1.0-style like Radicale's server: the answer, then FIN.
    server = createTcpServer((socket) => {
      socket.once('data', () => {
        socket.write(`HTTP/1.0 207 Multi-Status\r\nContent-Type: application/xml\r\nContent-Encoding: gzip\r\nContent-Length: ${gzipped.length}\r\n\r\n`);
        socket.end(gzipped);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('reads them whole, through the default fetch of both paths', async () => {
    const client = new DavClient({ trustedUrl: `http://127.0.0.1:${port}/`, allowPrivate: true, resilience: { maxAttempts: 1 } });
    for (let i = 0; i < 3; i++) {
      const answer = await client.request({ method: 'REPORT', url: `http://127.0.0.1:${port}/cal/`, body: '<x/>' });
      expect(answer.status).toBe(207);
      expect(answer.body).toBe(text);
    }
    const direct = await unguardedFetch()(`http://127.0.0.1:${port}/`, { method: 'GET' });
    expect(await direct.text()).toBe(text);
  });

  it('streams them through requestStream, chunk by chunk, to the same text', async () => {
    const client = new DavClient({ trustedUrl: `http://127.0.0.1:${port}/`, allowPrivate: true, resilience: { maxAttempts: 1 } });
    let chunks = 0;
    const answer = await client.requestStream({ method: 'REPORT', url: `http://127.0.0.1:${port}/cal/`, body: '<x/>' }, async (body) => {
      let whole = '';
      for await (const chunk of body) {
        chunks += 1;
        whole += chunk;
      }
      return whole;
    });
    expect(answer.result).toBe(text);
    expect(chunks).toBeGreaterThan(1);
  });

  it('importing the providers, the notifier and the emulator leaves the global fetch dispatcher alone (no npm undici loaded)', () => {
    const modules = ['caldav/index.ts', 'graph/index.ts', '../service/notifications/jobs.ts', '../emulator/graph/index.ts'].map((m) =>
      fileURLToPath(new URL(`../../src/providers/${m}`, import.meta.url)),
    );
    // Node 24's own node:http installs Node's (bundled undici's) global dispatcher when loaded, so the
    // check is: the dispatcher in place after loading node:http is still the one after our imports, and
    // npm's undici (CommonJS: it would be in the require cache) was never loaded.
    const script = [
      `import { createRequire } from 'node:module';`,
      `await import('node:http');`,
      `const key = Symbol.for('undici.globalDispatcher.1');`,
      `const before = globalThis[key];`,
      `for (const m of ${JSON.stringify(modules)}) await import(m);`,
      `const npmUndici = Object.keys(createRequire(import.meta.url).cache).filter((k) => k.includes('/node_modules/undici/'));`,
      `console.log(JSON.stringify({ same: globalThis[key] === before, npmUndici }));`,
    ].join('\n');
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(JSON.parse(out.trim())).toEqual({ same: true, npmUndici: [] });
  });
});

describe('compression', () => {
  let server: Server;
  let port: number;
  const seen: (string | undefined)[] = [];
  const listing = `<d:multistatus xmlns:d="DAV:">${Array.from({ length: 2000 }, (_, i) => `<d:response><d:href>/cal/${i}.ics</d:href></d:response>`).join('')}</d:multistatus>`;
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req.headers['accept-encoding']);
      res.writeHead(207, { 'content-type': 'application/xml' });
      res.end(listing);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('is not asked of a server on loopback (the bytes never cross a network), and the body streams back whole', async () => {
    const res = await unguardedFetch()(`http://127.0.0.1:${port}/cal/`, { method: 'REPORT' });
    let hrefs = 0;
    await readMultistatus(
      (async function* () {
        const decoder = new TextDecoder();
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) yield decoder.decode(chunk, { stream: true });
      })(),
      `http://127.0.0.1:${port}/cal/`,
      () => (hrefs += 1),
    );
    expect(hrefs).toBe(2000);
    expect(seen).toEqual([undefined]);
  });

  it('tells loopback hosts from others', () => {
    for (const host of ['localhost', 'cal.localhost', '127.0.0.1', '127.1.2.3', '[::1]', '::ffff:127.0.0.1']) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['caldav.icloud.com', '10.0.0.5', '192.168.1.10', '[fd00::1]', '128.0.0.1', 'localhost.example.com']) expect(isLoopbackHost(host), host).toBe(false);
  });
});
