/**
 * iCalendar enumerations ⇄ model values, in the exact spelling the writer produces. A value in any
 * other spelling is not modelled (it is kept verbatim), which keeps the round trip exact.
 */
import type { AttendeeRole, EventStatus, ParticipationStatus, Sensitivity, ShowAs, Transparency } from '../model/event.js';

export const STATUS: Readonly<Record<EventStatus, string>> = { confirmed: 'CONFIRMED', tentative: 'TENTATIVE', cancelled: 'CANCELLED' };
export const TRANSP: Readonly<Record<Transparency, string>> = { opaque: 'OPAQUE', transparent: 'TRANSPARENT' };
export const BUSY_STATUS: Readonly<Record<ShowAs, string>> = {
  free: 'FREE',
  tentative: 'TENTATIVE',
  busy: 'BUSY',
  oof: 'OOF',
  workingElsewhere: 'WORKINGELSEWHERE',
  unknown: 'UNKNOWN',
};
/** `personal` has no RFC 5545 class; an x-name keeps it distinct from PRIVATE. */
export const CLASS: Readonly<Record<Sensitivity, string>> = { normal: 'PUBLIC', personal: 'X-PERSONAL', private: 'PRIVATE', confidential: 'CONFIDENTIAL' };
/** `resource` is written as CUTYPE=RESOURCE, not as a ROLE (see read-event.ts). */
export const ATTENDEE_ROLE: Readonly<Record<Exclude<AttendeeRole, 'resource'>, string>> = {
  required: 'REQ-PARTICIPANT',
  optional: 'OPT-PARTICIPANT',
  chair: 'CHAIR',
  'non-participant': 'NON-PARTICIPANT',
};
export const PARTSTAT: Readonly<Record<ParticipationStatus, string>> = {
  'needs-action': 'NEEDS-ACTION',
  accepted: 'ACCEPTED',
  declined: 'DECLINED',
  tentative: 'TENTATIVE',
  delegated: 'DELEGATED',
};

export function invert<K extends string>(table: Readonly<Record<K, string>>): ReadonlyMap<string, K> {
  return new Map(Object.entries(table).map(([k, v]) => [v as string, k as K]));
}
