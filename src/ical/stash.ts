/**
 * What the codec keeps for itself in `event.extra.provider.ical`: the mark of a synthetic master (a
 * resource with overrides only) and the source VTIMEZONEs of zones that have no IANA equivalent —
 * without them such an event could not be written back with correct times once the source is gone.
 */
import type { Unmodelled } from '../model/event.js';
import type { JCalComponent } from './jcal.js';
import { isJCalComponent } from './jcal.js';

export const ICAL_PROVIDER_KEY = 'ical';

export interface IcalStash {
  masterless?: boolean;
  /** The source gave DURATION (kept verbatim in `extra.properties`) instead of DTEND. */
  endForm?: 'duration';
  timezones?: JCalComponent[];
}

export function readStash(extra: Unmodelled | undefined): IcalStash {
  const raw = extra?.provider?.[ICAL_PROVIDER_KEY];
  if (typeof raw !== 'object' || raw === null) return {};
  const r = raw as Record<string, unknown>;
  const out: IcalStash = {};
  if (r.masterless === true) out.masterless = true;
  if (r.endForm === 'duration') out.endForm = 'duration';
  if (Array.isArray(r.timezones)) out.timezones = r.timezones.filter(isJCalComponent);
  return out;
}

/** `extra` with the stash replaced (other providers' data and the unmodelled fields untouched). */
export function withStash(extra: Unmodelled | undefined, stash: IcalStash): Unmodelled | undefined {
  const provider = { ...extra?.provider };
  if (stash.masterless || stash.endForm || stash.timezones?.length) provider[ICAL_PROVIDER_KEY] = stash;
  else delete provider[ICAL_PROVIDER_KEY];
  const out: Unmodelled = { ...extra };
  if (Object.keys(provider).length > 0) out.provider = provider;
  else delete out.provider;
  return Object.keys(out).length > 0 ? out : undefined;
}
