/**
 * Attendees and organizer. Outlook knows three attendee types and six responses; the model knows
 * iCalendar's five roles and five statuses. `chair` and `non-participant` have no Outlook type and
 * are written as required/optional; responses are only read — Graph ignores an attendee's `status` on
 * write (only the attendee can answer), so we never send it.
 */
import type { Attendee, AttendeeRole, ParticipationStatus, Person } from '../../../model/event.js';
import type { GraphAttendee, GraphEmailAddress, GraphResponse } from '../graph-types.js';

const STATUS_BY_RESPONSE: Record<GraphResponse, ParticipationStatus | undefined> = {
  // No answer yet is iCalendar's default PARTSTAT, NEEDS-ACTION (RFC 5545 §3.2.12).
  none: 'needs-action',
  notResponded: 'needs-action',
  organizer: 'accepted',
  accepted: 'accepted',
  declined: 'declined',
  tentativelyAccepted: 'tentative',
};

const TYPE_BY_ROLE: Record<AttendeeRole, NonNullable<GraphAttendee['type']>> = {
  required: 'required',
  chair: 'required',
  optional: 'optional',
  'non-participant': 'optional',
  resource: 'resource',
};

export function personFromGraph(email: GraphEmailAddress | null | undefined): Person | undefined {
  const address = email?.address?.trim();
  if (!address) return undefined;
  const name = email?.name?.trim();
  // Outlook fills a missing display name with the address itself; that is not a name.
  return name && name !== address ? { email: address, name } : { email: address };
}

export function personToGraph(person: Person): { emailAddress: { address: string; name?: string } } {
  return { emailAddress: person.name ? { address: person.email, name: person.name } : { address: person.email } };
}

/**
 * @param responseRequested Outlook asks for answers per event, iCalendar per attendee (RSVP): an event
 * asking for answers gives every attendee `rsvp: true`.
 */
export function attendeesFromGraph(attendees: readonly GraphAttendee[] | null | undefined, responseRequested = false): Attendee[] {
  const out: Attendee[] = [];
  for (const a of attendees ?? []) {
    const person = personFromGraph(a.emailAddress);
    if (!person) continue;
    const attendee: Attendee = { ...person };
    if (a.type) attendee.role = a.type;
    // Graph always sends a status; a missing one (some servers omit it) means no answer either.
    const status = STATUS_BY_RESPONSE[a.status?.response ?? 'none'];
    if (status) attendee.status = status;
    if (responseRequested && a.type !== 'resource') attendee.rsvp = true;
    out.push(attendee);
  }
  return out;
}

export function attendeesToGraph(attendees: readonly Attendee[]): GraphAttendee[] {
  return attendees.map((a) => ({ ...personToGraph(a), type: TYPE_BY_ROLE[a.role ?? 'required'] }));
}
