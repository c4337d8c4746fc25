import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatTable, printJson, printLine, reportError } from '../../src/cli/output.js';
import { CalsyncError } from '../../src/errors.js';

afterEach(() => vi.restoreAllMocks());

function capture(stream: 'stdout' | 'stderr'): () => string {
  let out = '';
  vi.spyOn(process[stream], 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  return () => out;
}

describe('CLI output', () => {
  it('formats aligned tables', () => {
    expect(formatTable(['id', 'name'], [['1', 'Ceremony'], ['22', 'x']])).toBe('id  name\n--  --------\n1   Ceremony\n22  x');
  });

  it('prints JSON and lines', () => {
    const out = capture('stdout');
    printJson({ a: 1 });
    printLine('done');
    expect(out()).toBe('{\n  "a": 1\n}\ndone\n');
  });

  it('reports errors with a hint and an exit code', () => {
    const err = capture('stderr');
    expect(reportError(new CalsyncError('CONFIG', 'invalid PORT'))).toBe(2);
    expect(err()).toContain('calsync doctor');
    expect(reportError(new CalsyncError('SYNC_MASS_DELETE', 'refused'))).toBe(1);
    expect(err()).toContain('Nothing was deleted');
    expect(reportError(new Error('boom'), true)).toBe(1);
    expect(err()).toContain('{"error":{"code":"INTERNAL","message":"boom"}}');
  });
});
