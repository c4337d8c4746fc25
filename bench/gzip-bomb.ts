/**
 * Peak RSS while calsync is served a 300 MB gzip bomb (~300 KB on the wire) from a loopback server with
 * a 1 MiB body limit (issue 10, finding 2). The client runs in its own process so the figure is its
 * own: the kernel's ru_maxrss after the refusal, next to the same process's RSS before the request
 * (node + tsx + modules). Target: peak under 150 MB.
 *
 * Env: CALSYNC_BOMB_MB (300: inflated size). Prints one JSON line; exits non-zero when the bomb was not
 * refused with PROVIDER_REJECTED or the peak is over 150 MB.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { compressedBomb, serveBomb } from '../test/support/bomb.js';

const run$ = promisify(execFile);

const CHILD = `
const { DavClient } = await import(process.env.DAV_CLIENT);
const before = process.memoryUsage().rss;
const client = new DavClient({ trustedUrl: process.env.BOMB_URL, allowPrivate: true, maxResponseBytes: 1024 * 1024, resilience: { maxAttempts: 1 } });
let code = 'none';
for (const mode of ['request', 'requestStream']) {
  try {
    if (mode === 'request') await client.request({ method: 'REPORT', url: process.env.BOMB_URL, body: '<x/>' });
    else await client.requestStream({ method: 'REPORT', url: process.env.BOMB_URL, body: '<x/>' }, async (chunks) => { for await (const c of chunks) void c; return 0; });
    code = 'accepted';
  } catch (e) {
    code = code === 'none' || code === e.code ? e.code : 'mixed';
  }
}
console.log(JSON.stringify({ code, rssBeforeMb: before / 1048576, peakRssMb: process.resourceUsage().maxRSS / 1024 }));
`;

export async function run(): Promise<void> {
  const inflatedMb = Number(process.env.CALSYNC_BOMB_MB ?? '300');
  const body = await compressedBomb('gzip', inflatedMb * 1024 * 1024);
  const server = await serveBomb(body, 'gzip');
  try {
    const { stdout } = await run$(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD], {
      env: { ...process.env, BOMB_URL: server.url, DAV_CLIENT: fileURLToPath(new URL('../src/providers/caldav/dav-client.ts', import.meta.url)) },
      timeout: 120_000,
    });
    const result = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { code: string; rssBeforeMb: number; peakRssMb: number };
    const line = { bench: 'gzip-bomb', inflatedMb, compressedKb: Math.round(body.length / 1024), limitMb: 1, ...result, requests: server.hits };
    process.stdout.write(`${JSON.stringify(line)}\n`);
    if (result.code !== 'PROVIDER_REJECTED' || result.peakRssMb >= 150) process.exitCode = 1;
  } finally {
    await server.close();
  }
}
