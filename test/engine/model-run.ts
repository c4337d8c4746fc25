/**
 * `npm run test:model -- --runs N [--seed S]`: the model-based engine test at depth N. The last line is
 * `model: N runs, F failures`; the exit code is non-zero when F > 0.
 */
import { parseArgs } from 'node:util';
import { runModel } from './model/property.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '200' }, seed: { type: 'string' }, commands: { type: 'string', default: '40' } } });
const runs = Number(values.runs);
const seed = values.seed === undefined ? undefined : Number(values.seed);
if (!Number.isInteger(runs) || runs <= 0) {
  process.stderr.write(`--runs must be a positive integer, got ${values.runs}\n`);
  process.exit(2);
}
const started = Date.now();
const result = await runModel(runs, seed, Number(values.commands));
if (result.report) process.stdout.write(`${result.report}\n`);
process.stdout.write(`(${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
process.stdout.write(`model: ${result.runs} runs, ${result.failures} failures\n`);
process.exit(result.failures > 0 ? 1 : 0);
