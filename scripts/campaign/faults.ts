/**
 * `npm run campaign -- faults`: calsync talks to Radicale and the Graph emulator through loopback fault
 * proxies (fault-proxy.ts) that inject 429 + Retry-After, 500/503, resets before and after the
 * upstream applied the request, long latency and truncated bodies on `--fault-rate` (0.3) of requests
 * while all three sides edit; then the proxies heal and the sides are compared.
 */
import { runCampaign, type Disturbance } from './campaign.js';
import { parseCampaignOptions } from './options.js';
import { sleep } from './rng.js';
import type { World } from './world.js';

export async function run(argv: string[]): Promise<number> {
  const opts = parseCampaignOptions(argv);
  const total = (world: World): number => world.proxies.reduce((n, p) => n + p.totalFaults, 0);
  const disturbance: Disturbance = {
    name: 'fault',
    faultRate: opts.faultRate,
    run: async (_world, { stop }) => {
      await Promise.race([sleep(opts.seconds * 1000), new Promise((r) => stop.addEventListener('abort', r, { once: true }))]);
    },
    headline: (world) => `${total(world)} faults`,
    status: (world) => `faults/requests ${world.proxies.map((p) => `${p.url.split('//')[1] ?? p.url} ${p.totalFaults}/${p.exposed}`).join(', ')}`,
    summary: (world) => ({
      faults: total(world),
      requestsWhileInjecting: world.proxies.reduce((n, p) => n + p.exposed, 0),
      proxies: world.proxies.map((p) => ({ url: p.url, requests: p.requests, requestsWhileInjecting: p.exposed, faults: p.faults })),
    }),
  };
  return runCampaign(disturbance, opts);
}
