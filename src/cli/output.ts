/**
 * How commands talk to people and scripts: human text on stdout, JSON with `--json`, errors on stderr
 * with what to do next, and exit codes (`EXIT_CODES`: 0 ok, 1 failure, 2 usage/config, 4 auth).
 */
import { createInterface } from 'node:readline/promises';
import { CalsyncError, isCalsyncError } from '../errors.js';

/** The exit codes every command uses (`calsync help exit-codes`), after `gh`'s. */
export const EXIT_CODES = [
  { code: 0, meaning: 'success' },
  { code: 1, meaning: 'failure: the command ran and something failed (a sync error, an unreachable server, a failed doctor check)' },
  { code: 2, meaning: 'usage: a wrong option or argument, bad configuration, or a destructive command run without --yes' },
  { code: 4, meaning: 'authentication: a calendar refused the credentials (reconnect it), or a key or sign-in was refused' },
] as const;

export function exitCodesHelp(): string {
  return ['Exit codes of calsync:', '', ...EXIT_CODES.map((e) => `  ${e.code}  ${e.meaning}`), '', 'With --json, errors are printed to stderr as {"error":{"code","message"}}.'].join('\n');
}

/**
 * A destructive command goes ahead with `--yes`, or after a "y" typed at a terminal; without a
 * terminal and without `--yes` it is a usage error (exit 2) that says how to confirm.
 */
export async function confirm(yes: boolean | undefined, what: string): Promise<void> {
  if (yes) return;
  if (!process.stdin.isTTY) throw new CalsyncError('VALIDATION', `${what} cannot be undone; run again with --yes to confirm`, { retryable: false });
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${what}? This cannot be undone. [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim())) throw new CalsyncError('VALIDATION', 'not confirmed; nothing was changed', { retryable: false });
  } finally {
    rl.close();
  }
}

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
  if (code === 'PROVIDER_AUTH' || code === 'UNAUTHORIZED') return 4;
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
