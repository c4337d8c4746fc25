/**
 * `npm run campaign -- crash [--embedded]`: kill -9 calsync at random moments while all three sides
 * edit. PostgreSQL + Redis with `serve --no-workers` and two workers (the workers are killed), or with
 * `--embedded` the default set-up (the single `calsync serve` is killed). Kills come at random gaps
 * (mean `--seconds`/`--kills`) and hit a process that is up and working (with one process: a random
 * time after its restart answered ready); the victim is started again after up to 1.5 s.
 */
import { runCampaign, type Disturbance } from './campaign.js';
import { parseCampaignOptions } from './options.js';
import { sleep } from './rng.js';
import type { World } from './world.js';

export async function run(argv: string[]): Promise<number> {
  const opts = parseCampaignOptions(argv);
  let kills = 0;
  const disturbance: Disturbance = {
    name: 'crash',
    async run(world: World, { stop, rng, say }) {
      const meanGapMs = Math.max(300, (opts.seconds * 1000) / Math.max(1, opts.kills));
      const until = performance.now() + opts.seconds * 1000;
      const restarts: Promise<void>[] = [];
      while (kills < opts.kills || performance.now() < until) {
        if (stop.aborted) break;
        if (kills >= opts.kills) {
          await sleep(Math.max(0, until - performance.now()));
          break;
        }
        // A random moment after the last kill; the victim is one that is up and working then (with one
        // process, as embedded, that means waiting for its restart first, then the random moment).
        if (world.victims.length > 1) await sleep(rng.between(0.1, 1.9) * meanGapMs);
        let ready = world.victims.filter((v) => v.isReady);
        if (ready.length === 0) {
          for (const v of world.victims) if (!v.alive) v.start();
          const up = await Promise.race(world.victims.map((v) => v.ready(60_000).then((ok) => (ok ? v : undefined))));
          if (!up) say('no calsync process got ready within 60 s; killing one anyway');
          ready = up ? [up] : world.victims;
          await sleep(rng.between(0.1, 1.9) * (meanGapMs / (world.victims.length > 1 ? 4 : 2)));
        } else if (world.victims.length === 1) await sleep(rng.between(0.1, 1.9) * (meanGapMs / 2));
        const victim = rng.pick(ready);
        await victim.kill9();
        kills += 1;
        const pause = rng.between(0, 1500);
        restarts.push(sleep(pause).then(() => victim.start()));
      }
      await Promise.all(restarts);
    },
    headline: () => `${kills} kills`,
    status: (world) => `${kills}/${opts.kills} kills (${world.victims.map((v) => `${v.spec.name} ${v.kills}`).join(', ')})`,
    summary: (world) => ({ kills, perProcess: Object.fromEntries(world.all.map((p) => [p.spec.name, { starts: p.starts, kills: p.kills }])) }),
  };
  return runCampaign(disturbance, opts);
}
