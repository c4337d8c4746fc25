/**
 * Xandikos for integration tests: single user, no auth, one default calendar at
 * `/user/calendars/calendar/` (`--defaults`).
 */
import { startDavServer, type DavServer } from './radicale.js';

export const XANDIKOS_CALENDAR_PATH = '/user/calendars/calendar/';

export function startXandikos(): Promise<DavServer> {
  return startDavServer('/usr/bin/xandikos', 'xandikos', (port, dir) => ['-d', dir, '--defaults', '-l', '127.0.0.1', '-p', String(port)]);
}
