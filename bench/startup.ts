/**
 * `npm run bench -- startup`: what a `calsync` command costs before it does anything — CPU (user +
 * system) and peak RSS of whole processes (`/usr/bin/time`), median of 10 runs each, alternating:
 * - `calsync --version` and `calsync events --help` as shipped (`node bin/calsync.js`, the compiled dist/);
 * - the floor: `node -e 0` on the same Node;
 * - with `CALSYNC_BENCH_BEFORE=<dir>` (a checkout of the previous tree with its own `npm ci`), the same
 *   two commands there, on the Node found first on PATH outside this tree (the system Node).
 * It also prints the Node that `npm start`, `npm test` and `npx calsync` run on (npm scripts and npx
 * share one PATH, node_modules/.bin first). Targets (issue 11): < 0.3 s CPU and < 80 MB RSS.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchResult, writeBenchResult, type BenchMetric } from './result.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = 10;
const TIME = '/usr/bin/time';

interface Sample {
  cpuS: number;
  rssMb: number;
}

function measure(cmd: string, args: string[], env: NodeJS.ProcessEnv): Sample {
  const out = spawnSync(TIME, ['-f', 'BENCH %U %S %M', cmd, ...args], { cwd: ROOT, env, encoding: 'utf8' });
  const line = out.stderr.split('\n').find((l) => l.startsWith('BENCH '));
  if (out.status !== 0 || line === undefined) throw new Error(`${cmd} ${args.join(' ')} failed (${out.status}): ${out.stderr.slice(-2000)}`);
  const [, user, sys, kb] = line.split(' ');
  return { cpuS: Number(user) + Number(sys), rssMb: Number(kb) / 1024 };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The Node npm scripts and npx see: run through `npm exec`, which sets up the same PATH. */
function nodeSeenByNpm(): string {
  return execFileSync('npm', ['exec', '--yes=false', '-c', 'node --version'], { cwd: ROOT, encoding: 'utf8' }).trim();
}

/** PATH without this tree's node_modules/.bin: what the previous tree ran on (the system Node). */
function pathWithoutOurBin(): string {
  const ours = join(ROOT, 'node_modules', '.bin');
  return (process.env.PATH ?? '').split(delimiter).filter((p) => p !== ours && !p.endsWith(join('node_modules', '.bin'))).join(delimiter);
}

export async function run(): Promise<void> {
  if (!existsSync(TIME)) throw new Error(`${TIME} is needed (Debian package "time")`);
  if (!existsSync(join(ROOT, 'dist/cli/main.js'))) throw new Error('dist/ is missing: npm run build');
  const before = process.env.CALSYNC_BENCH_BEFORE;
  const systemEnv = { ...process.env, PATH: pathWithoutOurBin() };
  const commands: { metric: string; args: string[] }[] = [
    { metric: 'version', args: ['--version'] },
    { metric: 'events_help', args: ['events', '--help'] },
  ];
  // One series per (subject, command), sampled round-robin so load changes hit every series alike.
  const series = new Map<string, Sample[]>();
  const add = (key: string, s: Sample): void => void series.set(key, [...(series.get(key) ?? []), s]);
  for (let i = 0; i < RUNS; i++) {
    add('floor', measure(process.execPath, ['-e', '0'], process.env));
    for (const c of commands) {
      add(`after:${c.metric}`, measure(process.execPath, [join(ROOT, 'bin/calsync.js'), ...c.args], process.env));
      if (before) add(`before:${c.metric}`, measure('node', [join(before, 'bin/calsync.js'), ...c.args], systemEnv));
    }
  }
  const med = (key: string, f: (s: Sample) => number): number => median((series.get(key) ?? []).map(f));
  const results: BenchMetric[] = [];
  for (const c of commands) {
    for (const [unit, f, target] of [
      ['s', (s: Sample) => s.cpuS, '< 0.3 s'],
      ['MB', (s: Sample) => s.rssMb, '< 80 MB'],
    ] as const) {
      const value = med(`after:${c.metric}`, f);
      const kind = unit === 's' ? 'cpu' : 'rss';
      if (before) {
        const peerValue = med(`before:${c.metric}`, f);
        results.push({ metric: `${c.metric}_${kind}`, unit, value, peer: 'before (tsx, eager imports)', peerValue, ratio: peerValue / value, target });
      } else {
        results.push({ metric: `${c.metric}_${kind}`, unit, value, peer: 'node -e 0', peerValue: med('floor', f), target });
      }
    }
  }
  results.push({ metric: 'floor_cpu', unit: 's', value: med('floor', (s) => s.cpuS) }, { metric: 'floor_rss', unit: 'MB', value: med('floor', (s) => s.rssMb) });
  const seen = nodeSeenByNpm();
  process.stdout.write(`node as seen by npm start / npm test / npx calsync: ${seen}; this benchmark: ${process.version}\n`);
  writeBenchResult(benchResult('startup', { runs: RUNS, statistic: 'median', nodeSeenByNpm: seen, ...(before ? { before } : {}) }, results));
}
