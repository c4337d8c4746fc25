/**
 * `npm run test:model -- --runs N [--seed S] [--steps K]`: the deterministic simulation (see `sim/`)
 * at depth N. Every schedule is played (none stops the run); then the first schedule of each distinct
 * kind of violation is shrunk on its own and printed with its seed, its path and the injections as
 * they played out; then the table of how many schedules hit each injection at each scheduling point.
 * `--mask 1,2,3,6,7` steps around those known findings (see `sim/schedule.ts`), to look for others;
 * `--every` shrinks every failing schedule (not only the first of each kind), to classify them all;
 * `--seed S --path P` replays (and shrinks again) one failure a report named;
 * `--legacy` runs the earlier model test (`model/`) instead. The last line is
 * `model: N runs, F failures` (F: schedules with any violation); the exit code is non-zero when F > 0.
 */
import { parseArgs } from 'node:util';
import { runModel } from './model/property.js';
import { coverageTable, exploreSim, runSim } from './sim/property.js';
import type { Mask } from './sim/schedule.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '200' },
    seed: { type: 'string' },
    steps: { type: 'string', default: '6' },
    commands: { type: 'string', default: '40' },
    legacy: { type: 'boolean', default: false },
    mask: { type: 'string', default: '' },
    path: { type: 'string' },
    every: { type: 'boolean', default: false },
  },
});
const runs = Number(values.runs);
const seed = values.seed === undefined ? undefined : Number(values.seed);
if (!Number.isInteger(runs) || runs <= 0) {
  process.stderr.write(`--runs must be a positive integer, got ${values.runs}\n`);
  process.exit(2);
}
const started = Date.now();
let failures: number;
let done: number;
if (values.legacy) {
  const result = await runModel(runs, seed, Number(values.commands));
  if (result.report) process.stdout.write(`${result.report}\n`);
  ({ failures, runs: done } = result);
} else if (values.path !== undefined) {
  // Replay one schedule (the seed and path a failure report printed), shrinking it again.
  const masks = new Set(values.mask.split(',').filter(Boolean).map(Number) as Mask[]);
  const result = await runSim(1, { seed: seed ?? 0, path: values.path, schedule: { maxSteps: Number(values.steps) }, masks });
  process.stdout.write(`${result.report ?? 'the schedule passes'}\n`);
  ({ failures, runs: done } = result);
} else {
  const chosen = seed ?? Date.now() % 2_147_483_647;
  process.stdout.write(`simulation: ${runs} schedules, seed ${chosen}\n`);
  const masks = new Set(values.mask.split(',').filter(Boolean).map(Number) as Mask[]);
  if (masks.size > 0) process.stdout.write(`stepping around known findings ${[...masks].join(', ')}\n`);
  const result = await exploreSim(runs, { seed: chosen, schedule: { maxSteps: Number(values.steps) }, masks, every: values.every });
  for (const report of result.reports) process.stdout.write(`\n${report}\n`);
  process.stdout.write(`\nschedules that hit each injection point (of ${runs}):\n${coverageTable(result.coverage)}\n`);
  if (result.kinds.size > 0) process.stdout.write(`\nviolations by kind (schedules): ${[...result.kinds].map(([k, n]) => `${k} ${n}`).join(', ')}\n`);
  ({ failures, runs: done } = result);
}
process.stdout.write(`(${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
process.stdout.write(`model: ${done} runs, ${failures} failures\n`);
process.exit(failures > 0 ? 1 : 0);
