/**
 * `npm run bench -- NAME`: runs one benchmark (bench/NAME.ts exports `run()`); with no name, lists them.
 * Benchmarks never run in `npm test` (benchmarks.md).
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && !['run.ts', 'result.ts'].includes(f))
  .map((f) => f.slice(0, -3))
  .sort();

const name = process.argv[2];
if (!name) {
  process.stdout.write(`benchmarks: ${available.join(', ')}\nrun one with: npm run bench -- NAME\n`);
} else if (!available.includes(name)) {
  process.stderr.write(`unknown benchmark "${name}"; available: ${available.join(', ')}\n`);
  process.exitCode = 2;
} else {
  const mod = (await import(join(here, `${name}.ts`))) as { run: () => Promise<unknown> };
  await mod.run();
}
