/** What `parseIcal` returns (see parse.ts). */
import type { CalendarEvent, EventKind } from '../model/event.js';
import type { JCalComponent, JCalProperty } from './jcal.js';

export type IcalProblemCode = 'UNKNOWN_TZID' | 'BAD_VTIMEZONE' | 'UNMODELLED_EVENT' | 'DUPLICATE_EVENT' | 'STRAY_COMPONENT' | 'MASTERLESS' | 'FIELD_TRUNCATED';

/** A non-fatal finding: the data was kept, but something in it is off. */
export interface IcalProblem {
  code: IcalProblemCode;
  message: string;
  uid?: string;
}

export interface ParsedItem {
  uid: string;
  /**
   * The master with its overrides. When the resource holds overrides only (`masterless`), this is a
   * synthetic master copied from the first override and marked in `extra.provider.ical.masterless`;
   * `serializeIcal` writes only the overrides of such an event.
   */
  event: CalendarEvent;
  masterless: boolean;
  /** The hub event id from X-CALSYNC-HUB-ID, when calsync wrote this item. */
  hubId?: string;
  problems: IcalProblem[];
}

export interface ParsedCalendar {
  items: ParsedItem[];
  /** VTIMEZONEs by TZID, as written in the source (pass them back to `serializeIcal`). */
  timezones: Map<string, JCalComponent>;
  /** VCALENDAR properties (PRODID, METHOD, X-WR-CALNAME …), duplicates across VCALENDARs merged. */
  properties: JCalProperty[];
  /** Components kept verbatim: VTODO, VJOURNAL, VFREEBUSY, unknown ones and unmodellable VEVENTs. */
  components: JCalComponent[];
  /** Problems not tied to one item. */
  problems: IcalProblem[];
}

export interface ParseOptions {
  /** Largest accepted input in UTF-8 bytes (default 10 MB). */
  maxBytes?: number;
  /**
   * Skip the VTIMEZONEs of zones calsync knows by name (IANA, Windows, libical paths): their times are
   * computed from the zone itself, never from the block, so `items` and `problems` come out the same,
   * but `timezones` (and `components`, for repeated blocks) lack them. Reading a CalDAV listing, where
   * nearly every resource repeats its zones' VTIMEZONEs, costs about 40 % less. Default false.
   */
  skipKnownTimezones?: boolean;
  /** Kind inference for events WedSync has not classified (default: the built-in rules). */
  inferKind?: (title: string, categories: readonly string[]) => EventKind;
}
