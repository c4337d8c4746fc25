/**
 * The IANA zone a VTIMEZONE behaves like, for TZIDs that name none ("Customized Time Zone",
 * "(UTC+01:00) Amsterdam, Berlin, …", "tzone://Microsoft/Custom"). Outlook writes such names with
 * different definitions in different files, so a name alone is no key; an IANA zone whose offsets
 * match the definition's is. With it the event's times carry an `iana` and compute the same way
 * everywhere, instead of depending on whichever definition was seen last.
 *
 * Offsets are compared at 12:00 UTC on eight days a year over 2024–2027, which separates EU, US,
 * southern-hemisphere and no-DST rules. Likely zones (the VTIMEZONE's X-LIC-LOCATION, cities named in
 * the TZID, Windows' representative zones) are tried before the rest, and signatures are computed
 * lazily and cached, so a match usually costs a few dozen Intl calls.
 */
import ICAL from 'ical.js';
import { WINDOWS_TO_IANA_MAP } from 'windows-iana';
import { zoneOffsetMs } from '../model/time.js';
import { ianaName } from '../model/timezones.js';
import type { JCalComponent } from './jcal.js';

const SAMPLES: number[] = [];
for (let year = 2024; year <= 2027; year++) {
  for (const [month, day] of [[1, 15], [3, 15], [3, 31], [4, 15], [7, 15], [10, 15], [10, 31], [11, 15]] as const) {
    SAMPLES.push(Date.UTC(year, month - 1, day, 12));
  }
}

const intlSignatures = new Map<string, string>();

function intlSignature(iana: string): string {
  let sig = intlSignatures.get(iana);
  if (sig === undefined) {
    sig = SAMPLES.map((at) => zoneOffsetMs(iana, at) / 60_000).join(',');
    intlSignatures.set(iana, sig);
  }
  return sig;
}

let ordered: string[] | undefined;

/** Every zone Intl knows, Windows' representative zones first (the names people expect). */
function candidateZones(): string[] {
  if (!ordered) {
    const golden = WINDOWS_TO_IANA_MAP.filter((e) => e.territory === '001').flatMap((e): string[] => {
      const first: string | undefined = e.iana[0];
      return first !== undefined && ianaName(first) !== undefined ? [first] : [];
    });
    ordered = [...new Set([...golden, ...Intl.supportedValuesOf('timeZone')])];
  }
  return ordered;
}

function vtimezoneSignature(vtz: JCalComponent): string | undefined {
  try {
    const zone = new ICAL.Timezone(new ICAL.Component(vtz));
    return SAMPLES.map((at) => {
      const d = new Date(at);
      const utc = ICAL.Time.fromData(
        { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: 12, minute: 0, second: 0, isDate: false },
        ICAL.Timezone.utcTimezone,
      );
      return zone.utcOffset(utc.convertToZone(zone)) / 60;
    }).join(',');
  } catch {
    return undefined;
  }
}

/** Words of a TZID that may be city names ("(UTC+01:00) Amsterdam, Berlin" → amsterdam, berlin). */
function cityHints(tzid: string): string[] {
  return tzid
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .split(/[^a-z_]+/)
    .filter((w) => w.length > 2);
}

/** Zones worth trying first: the X-LIC-LOCATION and zones named after a city in the TZID. */
function likelyZones(tzid: string, vtz: JCalComponent): string[] {
  const lic = vtz[1].find((p) => p[0] === 'x-lic-location')?.[3];
  const hints = cityHints(tzid);
  const byCity = hints.length === 0 ? [] : candidateZones().filter((z) => hints.some((h) => z.toLowerCase().endsWith(`/${h}`)));
  const licZone = typeof lic === 'string' ? ianaName(lic) : undefined;
  return licZone ? [licZone, ...byCity] : byCity;
}

const cache = new Map<string, string | undefined>();

/**
 * The IANA zone matching a VTIMEZONE (callers pass only definitions whose observances are safe to
 * expand, see vtimezone.ts), or undefined when none has the same offsets.
 */
export function matchIanaZone(tzid: string, vtz: JCalComponent): string | undefined {
  const key = JSON.stringify(vtz);
  if (cache.has(key)) return cache.get(key);
  const signature = vtimezoneSignature(vtz);
  let found: string | undefined;
  if (signature !== undefined) {
    found = likelyZones(tzid, vtz).find((z) => intlSignature(z) === signature) ?? candidateZones().find((z) => intlSignature(z) === signature);
  }
  if (cache.size > 1_000) cache.clear();
  cache.set(key, found);
  return found;
}
