/**
 * How commands talk to people and scripts: human text on stdout, JSON with `--json`, errors on stderr
 * with what to do next, and exit codes (0 ok, 1 failure, 2 usage/config error).
 */
import { isCalsyncError } from '../errors.js';

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printLine(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/** A fixed-width table for human output. */
export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Prints an error for a person (or as JSON) and returns the exit code to use. */
export function reportError(err: unknown, json = false): number {
  const code = isCalsyncError(err) ? err.code : 'INTERNAL';
  const message = err instanceof Error ? err.message : String(err);
  if (json) {
    process.stderr.write(`${JSON.stringify({ error: { code, message } })}\n`);
  } else {
    process.stderr.write(`calsync: ${message}${hintFor(code)}\n`);
  }
  return code === 'CONFIG' || code === 'VALIDATION' ? 2 : 1;
}

function hintFor(code: string): string {
  switch (code) {
    case 'CONFIG':
      return '\n  Check the environment variables (see README, "Configuration"); `calsync doctor` checks them all.';
    case 'PROVIDER_AUTH':
      return '\n  The calendar rejected the credentials: reconnect the integration with a fresh (app-specific) password.';
    case 'SYNC_MASS_DELETE':
      return '\n  Nothing was deleted. Check the calendar on the provider side; run with --full after fixing it, or with --force if the deletions are intended.';
    default:
      return '';
  }
}
