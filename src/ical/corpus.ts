/**
 * `calsync corpus <dir>`: every `.ics` file under a folder through parse → serialize → parse. Each file
 * ends in exactly one state: `parsed` (round trip kept everything), `rejected` (a typed error from the
 * first parse — bad input, refused on purpose), `crashed` (any other exception: a bug), or `lossy`
 * (parsed, but the round trip lost or changed something, or our own output failed to parse).
 */
import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { IcalParseError, isCalsyncError } from '../errors.js';
import type { ParsedCalendar } from './parse.js';
import { parseIcal } from './parse.js';
import { roundTripParsed } from './roundtrip.js';

export type CorpusStatus = 'parsed' | 'rejected' | 'crashed' | 'lossy';

export interface CorpusFileResult {
  /** Path relative to the corpus folder. */
  file: string;
  status: CorpusStatus;
  /** Rejected: the error code and message; crashed: the exception; lossy: what failed. */
  reason?: string;
  /** Rejected with an `IcalParseError` that names a line. */
  line?: number;
  /** Lossy: each loss found. */
  details?: string[];
}

export interface CorpusReport {
  files: number;
  parsed: number;
  rejected: number;
  crashed: number;
  lossy: number;
  results: CorpusFileResult[];
}

export interface CorpusOptions {
  onProgress?(done: number, total: number): void;
}

async function icsFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.toLowerCase().endsWith('.ics'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

/** Checks one file's text. Exported for tests. */
export function checkText(file: string, text: string): CorpusFileResult {
  let parsed: ParsedCalendar;
  try {
    parsed = parseIcal(text);
  } catch (err) {
    if (!isCalsyncError(err)) return { file, status: 'crashed', reason: describe(err) };
    const result: CorpusFileResult = { file, status: 'rejected', reason: `${err.code}: ${err.message}` };
    if (err instanceof IcalParseError && err.line !== undefined) result.line = err.line;
    return result;
  }
  try {
    const round = roundTripParsed(text, parsed);
    return round.differences.length > 0 ? { file, status: 'lossy', details: round.differences } : { file, status: 'parsed' };
  } catch (err) {
    // Accepted input whose own serialization failed: a bug on our side either way.
    return { file, status: isCalsyncError(err) ? 'lossy' : 'crashed', reason: describe(err) };
  }
}

/** Runs the round-trip check over every `.ics` file under `dir` (recursively, in path order). */
export async function runCorpus(dir: string, opts: CorpusOptions = {}): Promise<CorpusReport> {
  const files = await icsFiles(dir);
  const report: CorpusReport = { files: files.length, parsed: 0, rejected: 0, crashed: 0, lossy: 0, results: [] };
  for (const [i, path] of files.entries()) {
    const text = await readFile(path, 'utf8');
    const result = checkText(relative(dir, path), text);
    report[result.status]++;
    report.results.push(result);
    opts.onProgress?.(i + 1, files.length);
  }
  return report;
}

/** The human report: one line per file that did not round-trip cleanly, then the summary line. */
export function formatCorpusReport(report: CorpusReport): string {
  const lines: string[] = [];
  for (const r of report.results) {
    if (r.status === 'parsed') continue;
    const where = r.line === undefined ? '' : ` (line ${r.line})`;
    lines.push(`${r.status.padEnd(8)} ${r.file}${where}${r.reason ? `: ${r.reason}` : ''}`);
    for (const d of r.details ?? []) lines.push(`         - ${d}`);
  }
  lines.push(`corpus: ${report.files} files, ${report.parsed} parsed, ${report.rejected} rejected, ${report.crashed} crashed, ${report.lossy} lossy`);
  return lines.join('\n');
}
