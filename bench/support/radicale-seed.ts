/**
 * A Radicale holding a large calendar, seeded fast and then served with its default configuration.
 *
 * Through HTTP, seeding is slow on Radicale 3.1.8: a collection PUT (one whole VCALENDAR split into one
 * resource per UID) took 45 s for 1,000 events here even without fsync, and with its default
 * configuration every item written costs two fsyncs more (~20 s per 200 events on this busy disk).
 * So the resources are written straight into Radicale's documented multifilesystem layout
 * (`collection-root/<user>/<collection>/` with `.Radicale.props` and one `.ics` per event), then a
 * seeding instance — the Debian package's own Python and modules, started through
 * `radicale.server.serve` with `_filesystem_fsync = False`, an option only code may set — builds
 * Radicale's item cache (one calendar-query) and its first sync-token state (one sync-collection).
 * It is stopped, and the benchmark's server is the Debian `radicale` binary with its default
 * configuration on the same folder: warm, so neither tool pays for the first listing.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CalendarEvent } from '../../src/model/event.js';
import { startDavServer, type DavServer } from '../../test/support/radicale.js';
import { resourceIcal } from './caldav-data.js';
import { calendarQuery, syncCollection, type DavAccount } from './dav.js';

const RADICALE = '/usr/bin/radicale';
/** Debian's Python (the one /usr/bin/radicale runs on; a pyenv `python3` may lack the module). */
const PYTHON = '/usr/bin/python3';

const SEEDING_SERVER = [
  'import sys',
  'from radicale import config, server',
  'configuration = config.load()',
  'configuration.update({"server": {"hosts": sys.argv[1]}, "auth": {"type": "none"},',
  '    "storage": {"filesystem_folder": sys.argv[2], "_filesystem_fsync": "False"}}, "calsync bench seeding", privileged=True)',
  'server.serve(configuration)',
].join('\n');

export interface SeededRadicale {
  server: DavServer;
  account: DavAccount;
  /** Bytes of iCalendar written. */
  bytes: number;
  /** Writing the files, building Radicale's item cache, its first sync-token (seconds). */
  seconds: { files: number; itemCache: number; firstSyncToken: number };
}

/** A resource name for a UID: safe on any filesystem and in a URL path. */
export function resourceName(uid: string): string {
  return `${uid.replace(/[^A-Za-z0-9._-]/g, '_')}.ics`;
}

/**
 * Seeds `events` (one resource each) into `/<user>/<collection>/` of a storage folder under `root`,
 * warms it, then serves it on a fresh port with Radicale's default configuration. The caller removes
 * `root`; `server.stop()` ends the process.
 */
export async function startSeededRadicale(root: string, user: string, password: string, collection: string, events: readonly CalendarEvent[]): Promise<SeededRadicale> {
  const storage = join(root, 'radicale-storage');
  const folder = join(storage, 'collection-root', user, collection);
  mkdirSync(folder, { recursive: true });
  let started = performance.now();
  writeFileSync(
    join(folder, '.Radicale.props'),
    JSON.stringify({ tag: 'VCALENDAR', 'D:displayname': 'Weddings', 'C:supported-calendar-component-set': 'VEVENT' }),
  );
  let bytes = 0;
  for (const event of events) {
    const ical = resourceIcal(event);
    bytes += Buffer.byteLength(ical);
    writeFileSync(join(folder, resourceName(event.uid)), ical);
  }
  const files = (performance.now() - started) / 1000;

  const seeding = await startDavServer(PYTHON, 'python3', (port) => ['-c', SEEDING_SERVER, `127.0.0.1:${port}`, storage]);
  let itemCache: number;
  let firstSyncToken: number;
  try {
    const account = accountOn(seeding, user, password, collection);
    started = performance.now();
    await calendarQuery(account);
    itemCache = (performance.now() - started) / 1000;
    started = performance.now();
    await syncCollection(account, '');
    firstSyncToken = (performance.now() - started) / 1000;
  } finally {
    await seeding.stop(); // kills it; removes only its own (unused) temp dir
  }
  const server = await startDavServer(RADICALE, 'radicale', (port) => [
    '--config',
    '',
    '--server-hosts',
    `127.0.0.1:${port}`,
    '--storage-filesystem-folder',
    storage,
    '--auth-type',
    'none',
  ]);
  return { server, account: accountOn(server, user, password, collection), bytes, seconds: { files, itemCache, firstSyncToken } };
}

function accountOn(server: DavServer, user: string, password: string, collection: string): DavAccount {
  return { calendarUrl: new URL(`/${user}/${collection}/`, server.url).toString(), username: user, password };
}
