/**
 * Time-zone names. Calendars name zones in many ways: IANA (`Europe/London`), Windows
 * (`GMT Standard Time`, Outlook and Graph), libical paths
 * (`/freeassociation.sourceforge.net/Tzfile/Europe/London`), Mozilla paths (`/mozilla.org/20050126_1/…`)
 * and legacy aliases (`US/Pacific`). Everything that computes with instants needs an IANA zone, so
 * this module resolves any of them to one — or says it cannot (`undefined`), in which case the caller
 * falls back to the VTIMEZONE that came with the data (see `registerZoneRules`).
 */
import { findIana, findWindows } from 'windows-iana';

/** Lower-case IANA name → the spelling Intl reports; built once from the runtime's zone list. */
const IANA_BY_LOWER = new Map<string, string>(
  Intl.supportedValuesOf('timeZone').map((z) => [z.toLowerCase(), z] as const),
);

/** Answers of `isIanaZone` for names not in the canonical list (aliases such as `US/Pacific`). */
const aliasValidity = new Map<string, string | undefined>();

/** Names that are UTC in every calendar program, whatever the spelling. */
const UTC_NAMES = new Set(['utc', 'gmt', 'z', 'zulu', 'etc/utc', 'etc/gmt', 'universal', 'coordinated universal time', 'tzone://microsoft/utc']);

/** libical/Mozilla/other vendors prefix IANA names with a path; the zone is always the tail. */
const PATH_PREFIX = /^\/(?:[^/]+\/)*?(?=(?:Africa|America|Antarctica|Arctic|Asia|Atlantic|Australia|Brazil|Canada|Chile|Europe|Etc|Indian|Mexico|Pacific|US)\/)/;

/** The IANA spelling of `name` when the runtime knows it as a zone (canonical or alias). */
export function ianaName(name: string): string | undefined {
  const canonical = IANA_BY_LOWER.get(name.toLowerCase());
  if (canonical) return canonical;
  if (aliasValidity.has(name)) return aliasValidity.get(name);
  let result: string | undefined;
  // Only names shaped like zone ids: Intl also accepts offsets such as "+01:00", which are not zones.
  if (/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(name)) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: name });
      result = name;
    } catch {
      result = undefined;
    }
  }
  // Bounded: a hostile feed could send endless distinct names.
  if (aliasValidity.size < 10_000) aliasValidity.set(name, result);
  return result;
}

/** The IANA zone for a Windows zone name (`W. Europe Standard Time` → `Europe/Berlin`). */
export function windowsToIana(name: string): string | undefined {
  const found = findIana(name.trim());
  // The first entry is CLDR's "001" (golden) zone for that Windows zone.
  const first = found[0];
  return first === undefined ? undefined : (ianaName(first) ?? first);
}

/** The Windows zone name for an IANA zone (aliases included), for Graph's `timeZone` fields. */
export function ianaToWindows(iana: string): string | undefined {
  if (UTC_NAMES.has(iana.toLowerCase())) return 'UTC';
  const direct = findWindows(iana)[0];
  if (direct) return direct;
  // windows-iana knows some zones only by their other spelling (Asia/Kolkata vs Asia/Calcutta).
  const resolved = new Intl.DateTimeFormat('en-US', { timeZone: iana }).resolvedOptions().timeZone;
  return findWindows(resolved)[0];
}

/**
 * Resolves a TZID as a calendar wrote it to an IANA zone, or `undefined` when it names no zone we know
 * (a custom Outlook zone, a typo): callers then use the data's own VTIMEZONE.
 */
const resolved = new Map<string, string | undefined>();

export function resolveTzid(tzid: string): string | undefined {
  // Every zoned time of every event asks: answered from memory after the first time (bounded, as the
  // names come from data).
  if (resolved.has(tzid)) return resolved.get(tzid);
  const iana = resolveUncached(tzid);
  if (resolved.size < 10_000) resolved.set(tzid, iana);
  return iana;
}

function resolveUncached(tzid: string): string | undefined {
  let name = tzid.trim();
  if (name.startsWith('"') && name.endsWith('"') && name.length >= 2) name = name.slice(1, -1).trim();
  if (name === '') return undefined;
  if (UTC_NAMES.has(name.toLowerCase())) return 'UTC';
  const direct = ianaName(name);
  if (direct) return direct;
  if (name.startsWith('/')) {
    const stripped = name.replace(PATH_PREFIX, '');
    if (stripped !== name) {
      const fromPath = ianaName(stripped);
      if (fromPath) return fromPath;
    }
    const last = name.slice(name.lastIndexOf('/') + 1);
    if (UTC_NAMES.has(last.toLowerCase())) return 'UTC';
  }
  const windows = windowsToIana(name);
  if (windows) return windows;
  // Outlook sometimes writes the display name "(UTC+01:00) Amsterdam, Berlin, …"; such names are not
  // unique, so they resolve only through the VTIMEZONE that accompanies them.
  return undefined;
}

/**
 * Offset rules for a zone that has no IANA equivalent, taken from a VTIMEZONE (the codec registers
 * them while parsing). Keyed by the TZID text: a later definition under the same name replaces an
 * earlier one, which is what calendar clients do too.
 */
export interface ZoneRules {
  /** The UTC instant (ms) of a wall-clock time (given as ms "as if UTC") in this zone. */
  utcFromLocal(localMs: number): number;
}

const MAX_REGISTERED = 5_000;
const registered = new Map<string, ZoneRules>();

export function registerZoneRules(tzid: string, rules: ZoneRules): void {
  if (registered.size >= MAX_REGISTERED && !registered.has(tzid)) {
    // Evict the oldest: memory stays bounded whatever a feed sends.
    const oldest = registered.keys().next().value;
    if (oldest !== undefined) registered.delete(oldest);
  }
  registered.set(tzid, rules);
}

export function registeredZoneRules(tzid: string): ZoneRules | undefined {
  return registered.get(tzid);
}
