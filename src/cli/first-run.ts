/**
 * What `calsync serve` (and so `npm start`) tells a person once it listens, on stderr next to the JSON
 * log lines: where the dashboard is, how to sign in, and that it must keep running for automatic sync.
 * On a first run (the default tenant has no people yet) it prints a one-time sign-in link (15 minutes,
 * works once) so the page opens on the same tenant the README walkthrough uses.
 */
import type { Store } from '../store/types.js';
import type { Clock } from '../util/clock.js';
import { issueSignInLink, SIGN_IN_LINK_TTL_MS } from '../service/sign-in.js';

export async function firstRunMessage(store: Store, clock: Clock, baseUrl: string, opts: { workers: boolean }): Promise<string> {
  const tenant = await store.tenants.ensureDefault();
  const people = await store.users.list(tenant.id);
  const lines = ['', `calsync is running. Dashboard: ${baseUrl}/dashboard`];
  if (people.length === 0) {
    const link = await issueSignInLink(store, clock, tenant.id, { baseUrl });
    lines.push(
      `  Sign in with this one-time link (works once, for ${SIGN_IN_LINK_TTL_MS / 60_000} minutes):`,
      `    ${link.url}`,
      `  To sign in with a password instead: echo "<password>" | npx calsync user add "you@example.com" --password-stdin`,
    );
  } else {
    lines.push(`  Sign in with your email and password, or print a one-time link: npx calsync signin-link`);
  }
  lines.push(
    opts.workers
      ? '  Keep this running: it syncs your calendars automatically. Ctrl+C stops it.'
      : '  Started with --no-workers: calendars sync only while a `calsync worker` runs.',
    '',
  );
  return lines.join('\n');
}
