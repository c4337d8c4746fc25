import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerCorpusCommand, runCorpusCli } from '../../src/cli/commands/corpus.js';
import type { CorpusReport } from '../../src/ical/index.js';
import { formatCorpusReport, runCorpus } from '../../src/ical/index.js';
import { checkText } from '../../src/ical/corpus.js';
import { fixture, ics } from './helpers.js';

const SHARED = '/work/shared/corpus/ics';

describe('the shared real-world corpus', () => {
  let report: CorpusReport;
  beforeAll(async () => {
    report = await runCorpus(SHARED);
  });
  it('round-trips with nothing crashed and nothing lost', () => {
    expect(report.files).toBe(340);
    expect(report.crashed).toBe(0);
    expect(report.lossy).toBe(0);
    // ical.js alone accepts 318–320 of these files; the codec must accept at least as many.
    expect(report.parsed).toBeGreaterThanOrEqual(320);
    expect(report.parsed + report.rejected).toBe(report.files);
  });
  it('gives every rejection a typed reason', () => {
    const rejected = report.results.filter((r) => r.status === 'rejected');
    expect(rejected.length).toBe(report.rejected);
    for (const r of rejected) expect(r.reason).toMatch(/^ICAL_PARSE: /);
    // Most name the offending line.
    expect(rejected.filter((r) => r.line !== undefined).length).toBeGreaterThanOrEqual(rejected.length - 3);
  });
  it('ends the human report with the summary line', () => {
    const lines = formatCorpusReport(report).split('\n');
    expect(lines.at(-1)).toBe(`corpus: 340 files, ${report.parsed} parsed, ${report.rejected} rejected, 0 crashed, 0 lossy`);
  });
});

describe('corpus on a folder of our own', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'calsync-corpus-'));
    mkdirSync(join(dir, 'nested'));
    writeFileSync(join(dir, 'good.ics'), fixture('google-recurring-override.ics'));
    writeFileSync(join(dir, 'nested', 'broken.ICS'), ics('BEGIN:VCALENDAR', 'BEGIN:VEVENT', 'NOCOLON', 'END:VEVENT', 'END:VCALENDAR'));
    writeFileSync(join(dir, 'huge.ics'), `BEGIN:VCALENDAR\r\nX-PAD:${'x'.repeat(10 * 1024 * 1024 + 1)}\r\nEND:VCALENDAR\r\n`);
    writeFileSync(join(dir, 'notes.txt'), 'not a calendar');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds .ics files recursively, classifies each and reports progress', async () => {
    const progress: [number, number][] = [];
    const report = await runCorpus(dir, { onProgress: (done, total) => progress.push([done, total]) });
    expect(report.results).toEqual([
      { file: 'good.ics', status: 'parsed' },
      { file: 'huge.ics', status: 'rejected', reason: expect.stringMatching(/^ICAL_TOO_LARGE: /) },
      { file: join('nested', 'broken.ICS'), status: 'rejected', reason: expect.stringMatching(/^ICAL_PARSE: /), line: 3 },
    ]);
    expect(progress).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
  });
  it('prints the report, or JSON, from the CLI', async () => {
    const out: string[] = [];
    const report = await runCorpusCli(dir, {}, { progress: false, print: (l) => out.push(l) });
    expect(out.join('\n').split('\n').at(-1)).toBe('corpus: 3 files, 1 parsed, 2 rejected, 0 crashed, 0 lossy');
    expect(report.parsed).toBe(1);
    let json: unknown;
    await runCorpusCli(dir, { json: true }, { progress: false, printJson: (v) => (json = v) });
    expect(json).toMatchObject({ files: 3, parsed: 1, rejected: 2, crashed: 0, lossy: 0, results: expect.any(Array) });
  });
  it('registers `corpus <dir> [--json]` on a commander program, drawing a bar when asked', async () => {
    const program = new Command('calsync').exitOverride();
    registerCorpusCommand(program);
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      await program.parseAsync(['node', 'calsync', 'corpus', dir, '--json']);
      const printed = write.mock.calls.map((c) => String(c[0])).join('');
      expect(JSON.parse(printed)).toMatchObject({ files: 3 });
    } finally {
      write.mockRestore();
    }
    const out: string[] = [];
    await runCorpusCli(dir, {}, { progress: true, print: (l) => out.push(l) });
    expect(out).toHaveLength(1);
  });
});

describe('formatCorpusReport', () => {
  it('lists every file that did not round-trip cleanly, with its details', () => {
    const text = formatCorpusReport({
      files: 4,
      parsed: 1,
      rejected: 1,
      crashed: 1,
      lossy: 1,
      results: [
        { file: 'a.ics', status: 'parsed' },
        { file: 'b.ics', status: 'rejected', reason: 'ICAL_PARSE: x', line: 7 },
        { file: 'c.ics', status: 'crashed', reason: 'TypeError: y' },
        { file: 'd.ics', status: 'lossy', details: ['vevent|u: lost or changed z'] },
      ],
    });
    expect(text.split('\n')).toEqual([
      'rejected b.ics (line 7): ICAL_PARSE: x',
      'crashed  c.ics: TypeError: y',
      'lossy    d.ics',
      '         - vevent|u: lost or changed z',
      'corpus: 4 files, 1 parsed, 1 rejected, 1 crashed, 1 lossy',
    ]);
  });
  it('checkText classifies one text', () => {
    expect(checkText('x.ics', fixture('all-day.ics'))).toEqual({ file: 'x.ics', status: 'parsed' });
    expect(checkText('y.ics', 'nonsense')).toMatchObject({ status: 'rejected' });
  });
});
