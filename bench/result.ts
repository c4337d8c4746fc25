/** The benchmark result file format (benchmarks.md) and a writer shared by every benchmark. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BenchMetric {
  metric: string;
  unit: string;
  value: number;
  peer?: string;
  peerValue?: number;
  ratio?: number;
  target?: string;
}

export interface BenchResult {
  name: string;
  date: string;
  node: string;
  cpus: number;
  params: Record<string, unknown>;
  results: BenchMetric[];
}

export function benchResult(name: string, params: Record<string, unknown>, results: BenchMetric[]): BenchResult {
  return { name, date: new Date().toISOString(), node: process.version, cpus: cpus().length, params, results };
}

/** Writes bench/results/NAME.json and prints a readable table; returns the result. */
export function writeBenchResult(result: BenchResult): BenchResult {
  const dir = join(dirname(fileURLToPath(import.meta.url)), 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${result.name}.json`), `${JSON.stringify(result, null, 2)}\n`);
  const rows = result.results.map((r) => [
    r.metric,
    `${round(r.value)} ${r.unit}`,
    r.peer ? `${r.peer}: ${round(r.peerValue ?? 0)} ${r.unit}` : '',
    r.ratio === undefined ? '' : `${round(r.ratio)}x`,
    r.target ?? '',
  ]);
  const headers = ['metric', 'calsync', 'peer', 'ratio', 'target'];
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const fmt = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  process.stdout.write(`\n${result.name} (${JSON.stringify(result.params)})\n${fmt(headers)}\n${[rows.map(fmt).join('\n')]}\n`);
  process.stdout.write(`written: bench/results/${result.name}.json\n`);
  return result;
}

function round(n: number): string {
  return Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(2);
}
