/**
 * A second worker process for the scale benchmark (forked with an IPC channel). Messages: `{ op:
 * 'sample' }` → `{ completed, queries, writes, cpuMs, rssMb }`; `{ op: 'stop' }` → stops the workers and exits.
 */
import { openWorld, type WorldOptions } from './scale-world.js';

const options = JSON.parse(process.env.SCALE_WORLD ?? '{}') as WorldOptions;
const world = await openWorld(options);
let rssMax = 0;
const sampler = setInterval(() => (rssMax = Math.max(rssMax, process.memoryUsage().rss)), 250);
process.on('message', (msg: { op: string }) => {
  if (msg.op === 'sample') {
    const cpu = process.cpuUsage();
    process.send?.({ completed: world.completed, queries: world.counter.count, writes: world.counter.writes, cpuMs: (cpu.user + cpu.system) / 1000, rssMb: rssMax / 2 ** 20 });
  } else if (msg.op === 'stop') {
    clearInterval(sampler);
    void world.close().then(() => process.exit(0));
  }
});
process.send?.({ ready: true });
