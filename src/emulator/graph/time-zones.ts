/**
 * Graph's `dateTimeTimeZone`: a wall-clock `dateTime` ("2026-06-20T15:00:00.0000000") plus a zone
 * name, Windows ("Pacific Standard Time") or IANA. Events are stored as UTC instants with their
 * original zone; they are rendered in the zone asked for by `Prefer: outlook.timezone` (UTC when
 * absent), as Graph does.
 */
import { findIana, findWindows } from 'windows-iana';
import { GraphError } from './graph-error.js';

const UTC_NAMES = new Set(['utc', 'etc/utc', 'gmt', 'coordinated universal time', 'tzone://microsoft/utc']);

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(iana: string): Intl.DateTimeFormat {
  let f = formatters.get(iana);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: iana,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(iana, f);
  }
  return f;
}

function isIana(name: string): boolean {
  try {
    formatterFor(name);
    return true;
  } catch {
    return false;
  }
}

/** The IANA zone for a Windows or IANA name; 400 for a name Graph would not know. */
export function toIana(name: string): string {
  if (UTC_NAMES.has(name.toLowerCase())) return 'UTC';
  const fromWindows = findIana(name)[0];
  if (fromWindows) return fromWindows;
  if (name.includes('/') && isIana(name)) return name;
  throw new GraphError(400, 'TimeZoneNotSupportedException', `A valid TimeZone value must be specified. The following TimeZone value is not supported: '${name}'.`);
}

/** The Windows name Graph would report for a zone (IANA input is mapped, Windows kept). */
export function toWindows(name: string): string {
  if (UTC_NAMES.has(name.toLowerCase())) return 'UTC';
  if (findIana(name).length > 0) return name;
  return findWindows(name)[0] ?? name;
}

/** Offset of `zone` from UTC at `instantMs`, in ms. */
function offsetMs(iana: string, instantMs: number): number {
  if (iana === 'UTC') return 0;
  const parts = formatterFor(iana).formatToParts(new Date(instantMs));
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return asUtc - Math.floor(instantMs / 1000) * 1000;
}

const WALL = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?(Z|[+-]\d{2}:\d{2})?$/;

/** The instant of a wall-clock time in a zone. An explicit offset/Z in the string wins. */
export function wallToInstant(dateTime: string, zone: string): number {
  const m = WALL.exec(dateTime);
  if (!m) throw new GraphError(400, 'ErrorInvalidRequest', `Cannot convert the literal '${dateTime}' to the expected type 'Edm.DateTimeOffset'.`);
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '0', suffix] = m;
  const ms = Math.floor(Number(`0.${frac}`) * 1000);
  const naive = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  if (Number.isNaN(naive)) throw new GraphError(400, 'ErrorInvalidRequest', `Invalid date '${dateTime}'.`);
  if (suffix) return Date.parse(`${y}-${mo}-${d}T${h.padStart(2, '0')}:${mi}:${s}.${String(ms).padStart(3, '0')}${suffix}`);
  return localMsToInstant(naive, zone);
}

/** The instant of a local wall time given as "ms since epoch as if the zone were UTC". */
export function localMsToInstant(localMs: number, zone: string): number {
  const iana = toIana(zone);
  // Two passes settle the offset across a DST boundary.
  const first = localMs - offsetMs(iana, localMs);
  return localMs - offsetMs(iana, first);
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** "2026-06-20T15:00:00.0000000" — Graph's seven fractional digits. */
export function instantToWall(instantMs: number, zone: string): string {
  const local = instantMs + offsetMs(toIana(zone), instantMs);
  const d = new Date(local);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(
    d.getUTCMinutes(),
  )}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}0000`;
}

/** Wall-clock fields of an instant in a zone (used by recurrence expansion). */
export function wallFields(instantMs: number, zone: string): { date: number; timeOfDayMs: number } {
  const local = instantMs + offsetMs(toIana(zone), instantMs);
  const dayMs = 86_400_000;
  const date = Math.floor(local / dayMs) * dayMs;
  return { date, timeOfDayMs: local - date };
}

/** Graph's DateTimeOffset stamps: "2026-06-01T12:00:00.1230000Z". */
export function iso7(instantMs: number): string {
  return new Date(instantMs).toISOString().replace(/\.(\d{3})Z$/, '.$10000Z');
}

/** The zone named by `Prefer: outlook.timezone="…"`, if any. */
export function preferredTimeZone(prefer: string | undefined): string | undefined {
  if (!prefer) return undefined;
  const m = /outlook\.timezone\s*=\s*"([^"]+)"/i.exec(prefer);
  return m?.[1];
}
