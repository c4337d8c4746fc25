/**
 * `calsync corpus <dir> [--json]`: the iCalendar round-trip check over a folder of .ics files
 * (src/ical/corpus.ts). A progress bar on a terminal; the report on stdout. It exits 0 whatever the
 * files hold — the report is the result, and rejected files are expected in a real-world corpus.
 */
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import type { CorpusReport } from '../../ical/corpus.js';
import { formatCorpusReport, runCorpus } from '../../ical/corpus.js';
import { printJson, printLine } from '../output.js';

export interface CorpusCliOptions {
  json?: boolean;
}

export interface CorpusCliIo {
  /** Whether to draw a progress bar (default: stderr is a TTY and not --json). */
  progress?: boolean;
  print?: (line: string) => void;
  printJson?: (value: unknown) => void;
}

/** Runs the check and prints the report; returns it (for tests and callers). */
export async function runCorpusCli(dir: string, opts: CorpusCliOptions, io: CorpusCliIo = {}): Promise<CorpusReport> {
  const showBar = io.progress ?? (process.stderr.isTTY === true && !opts.json);
  const bar = showBar ? new SingleBar({ format: 'corpus [{bar}] {value}/{total} files', stream: process.stderr, clearOnComplete: true, hideCursor: true }) : undefined;
  let started = false;
  const report = await runCorpus(dir, {
    onProgress(done, total) {
      if (!bar) return;
      if (!started) {
        bar.start(total, 0);
        started = true;
      }
      bar.update(done);
    },
  });
  if (started) bar?.stop();
  if (opts.json) (io.printJson ?? printJson)({ ...report });
  else (io.print ?? printLine)(formatCorpusReport(report));
  return report;
}

export function registerCorpusCommand(program: Command): void {
  program
    .command('corpus <dir>')
    .description('iCalendar round-trip check (parse → serialize → parse) over every .ics file under a folder')
    .option('--json', 'print the report as JSON')
    .action(async (dir: string, opts: CorpusCliOptions) => {
      await runCorpusCli(dir, opts);
    });
}
