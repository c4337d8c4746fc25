/**
 * The emulator's mailboxes, calendars and events, and every mutation on them. Each mutation
 * bumps the changeKey and publishes a `StoreChange`, from which subscriptions are notified —
 * the same path whether the change came from the Graph API or from the admin API acting as
 * another Outlook client.
 */
import type { Clock } from '../../util/clock.js';
import type { EventInput } from './event-input.js';
import { resolveTimes } from './event-input.js';
import { GraphError, invalidRequest, notFound, staleChangeKey } from './graph-error.js';
import { newCalendarId, newChangeKey, newEventId, newGuid, newICalUId, newRegularEventId } from './ids.js';
import { findInstance, instancesInWindow, sortByStart, storedEvent } from './instances.js';
import type { Calendar, Instance, Mailbox, StoreChange, StoredEvent } from './model.js';

export interface MailboxSeed {
  id?: string;
  userPrincipalName: string;
  displayName?: string;
}

const COLORS = ['auto', 'lightBlue', 'lightGreen', 'lightOrange', 'lightGray', 'lightYellow', 'lightTeal', 'lightPink'];

export class GraphStore {
  readonly mailboxes = new Map<string, Mailbox>();
  private readonly listeners: ((change: StoreChange) => void)[] = [];

  constructor(private readonly clock: Clock) {}

  onChange(listener: (change: StoreChange) => void): void {
    this.listeners.push(listener);
  }

  private publish(change: StoreChange): void {
    for (const l of this.listeners) l(change);
  }

  addMailbox(seed: MailboxSeed): Mailbox {
    const id = seed.id ?? newGuid();
    const calendarId = newCalendarId();
    const mailbox: Mailbox = {
      id,
      userPrincipalName: seed.userPrincipalName,
      displayName: seed.displayName ?? seed.userPrincipalName.split('@')[0] ?? seed.userPrincipalName,
      calendars: new Map(),
      events: new Map(),
      regularIds: new Map(),
      byRegularId: new Map(),
      defaultCalendarId: calendarId,
    };
    mailbox.calendars.set(calendarId, { id: calendarId, name: 'Calendar', color: 'auto', hexColor: '', changeKey: newChangeKey(), isDefaultCalendar: true });
    this.mailboxes.set(id, mailbox);
    return mailbox;
  }

  /** By object id or user principal name, as `/users/{id | userPrincipalName}` accepts. */
  mailbox(idOrUpn: string): Mailbox {
    const needle = idOrUpn.toLowerCase();
    for (const mb of this.mailboxes.values()) {
      if (mb.id.toLowerCase() === needle || mb.userPrincipalName.toLowerCase() === needle) return mb;
    }
    throw new GraphError(404, 'ErrorInvalidUser', `The requested user '${idOrUpn}' is invalid.`);
  }

  calendar(mb: Mailbox, id: string): Calendar {
    const cal = mb.calendars.get(id);
    if (!cal) throw notFound();
    return cal;
  }

  createCalendar(mb: Mailbox, name: unknown, color: unknown): Calendar {
    if (typeof name !== 'string' || name.trim() === '') throw invalidRequest('A calendar needs a name.');
    if ([...mb.calendars.values()].some((c) => c.name.toLowerCase() === name.toLowerCase()))
      throw new GraphError(409, 'ErrorFolderExists', 'A folder with the specified name already exists.');
    const cal: Calendar = {
      id: newCalendarId(),
      name,
      color: typeof color === 'string' && COLORS.includes(color) ? color : 'auto',
      hexColor: '',
      changeKey: newChangeKey(),
      isDefaultCalendar: false,
    };
    mb.calendars.set(cal.id, cal);
    return cal;
  }

  updateCalendar(mb: Mailbox, id: string, patch: Record<string, unknown>): Calendar {
    const cal = this.calendar(mb, id);
    if (typeof patch.name === 'string' && patch.name.trim()) cal.name = patch.name;
    if (typeof patch.color === 'string' && COLORS.includes(patch.color)) cal.color = patch.color;
    cal.changeKey = newChangeKey();
    return cal;
  }

  deleteCalendar(mb: Mailbox, id: string): void {
    const cal = this.calendar(mb, id);
    if (cal.isDefaultCalendar) throw new GraphError(400, 'ErrorDeleteDistinguishedFolder', 'Distinguished folders cannot be deleted.');
    for (const ev of [...mb.events.values()].filter((e) => e.calendarId === id)) {
      mb.events.delete(ev.id);
      mb.byRegularId.delete(mb.regularIds.get(ev.id) ?? '');
      this.publish({ mailbox: mb, calendarId: id, resourceId: ev.id, changeType: 'deleted', changeKey: ev.changeKey, series: ev.recurrence !== null });
    }
    mb.calendars.delete(id);
  }

  /** Series masters and single instances of a calendar (what `/events` lists). */
  listEvents(mb: Mailbox, calendarId: string): StoredEvent[] {
    return [...mb.events.values()].filter((e) => e.calendarId === calendarId).sort((a, b) => a.createdMs - b.createdMs);
  }

  /** What `/calendarView` returns: instances overlapping the window, by start. */
  view(mb: Mailbox, calendarId: string, fromMs: number, toMs: number): Instance[] {
    return sortByStart(this.listEvents(mb, calendarId).flatMap((ev) => instancesInWindow(ev, fromMs, toMs)));
  }

  instance(mb: Mailbox, id: string): Instance {
    const inst = findInstance(mb, id);
    if (!inst) throw notFound();
    return inst;
  }

  /**
   * POST an event. A repeated `transactionId` returns the event it created before, so a client
   * retrying a create it never saw the answer to does not make a duplicate.
   */
  createEvent(mb: Mailbox, calendarId: string, input: EventInput): { event: StoredEvent; created: boolean } {
    this.calendar(mb, calendarId);
    if (input.transactionId) {
      const existing = [...mb.events.values()].find((e) => e.transactionId === input.transactionId);
      if (existing) return { event: existing, created: false };
    }
    const now = this.clock.now();
    const event: StoredEvent = {
      id: newEventId(),
      iCalUId: newICalUId(),
      calendarId,
      createdMs: now,
      lastModifiedMs: now,
      changeKey: newChangeKey(),
      times: resolveTimes(input, undefined),
      props: { ...input.props },
      recurrence: input.recurrence ?? null,
      transactionId: input.transactionId ?? null,
      extended: new Map(input.extended.map((p) => [p.id.toLowerCase(), p])),
      exceptions: new Map(),
      deletedOccurrences: new Set(),
    };
    mb.events.set(event.id, event);
    this.assignRegularId(mb, event.id);
    this.publish({ mailbox: mb, calendarId, resourceId: event.id, changeType: 'created', changeKey: event.changeKey, series: event.recurrence !== null });
    return { event, created: true };
  }

  private assignRegularId(mb: Mailbox, id: string): void {
    const previous = mb.regularIds.get(id);
    if (previous !== undefined) mb.byRegularId.delete(previous);
    const regular = newRegularEventId();
    mb.regularIds.set(id, regular);
    mb.byRegularId.set(regular, id);
  }

  /**
   * Move an event (single or series) to another calendar, as a user dragging it in Outlook does: for
   * the old calendar it is deleted, for the new one created; its immutable id stays, its regular id
   * changes (the old one is then unknown).
   */
  moveEvent(mb: Mailbox, id: string, calendarId: string): StoredEvent {
    const ev = storedEvent(mb, id);
    if (!ev) throw notFound();
    const target = this.calendar(mb, calendarId);
    if (target.id === ev.calendarId) return ev;
    const from = ev.calendarId;
    ev.calendarId = target.id;
    ev.changeKey = newChangeKey();
    ev.lastModifiedMs = this.clock.now();
    this.assignRegularId(mb, ev.id);
    const series = ev.recurrence !== null;
    this.publish({ mailbox: mb, calendarId: from, resourceId: ev.id, changeType: 'deleted', changeKey: ev.changeKey, series });
    this.publish({ mailbox: mb, calendarId: target.id, resourceId: ev.id, changeType: 'created', changeKey: ev.changeKey, series });
    return ev;
  }

  /** PATCH any instance. Editing an occurrence turns it into an exception. */
  updateInstance(mb: Mailbox, id: string, input: EventInput, ifMatch: string | undefined): Instance {
    const inst = this.instance(mb, id);
    checkIfMatch(ifMatch, inst.changeKey);
    const ev = inst.event;
    const now = this.clock.now();
    for (const p of input.extended) ev.extended.set(p.id.toLowerCase(), p);
    if (inst.originalStartMs === null) {
      const times = resolveTimes(input, ev.times);
      const patternChanged = input.recurrence !== undefined || times.startMs !== ev.times.startMs || times.endMs !== ev.times.endMs;
      // Outlook discards a series' exceptions when its pattern or its times change.
      if (ev.recurrence && patternChanged) {
        ev.exceptions.clear();
        ev.deletedOccurrences.clear();
      }
      if (input.recurrence !== undefined) ev.recurrence = input.recurrence;
      ev.times = times;
      Object.assign(ev.props, input.props);
      ev.changeKey = newChangeKey();
      ev.lastModifiedMs = now;
      this.publish({ mailbox: mb, calendarId: ev.calendarId, resourceId: ev.id, changeType: 'updated', changeKey: ev.changeKey, series: ev.recurrence !== null });
      return this.instance(mb, id);
    }
    if (input.recurrence !== undefined) throw invalidRequest('The recurrence of an occurrence cannot be changed; change the series master.');
    const previous = ev.exceptions.get(inst.originalStartMs);
    ev.exceptions.set(inst.originalStartMs, {
      props: { ...previous?.props, ...input.props },
      times: resolveTimes(input, inst.times),
      changeKey: newChangeKey(),
      lastModifiedMs: now,
    });
    const updated = this.instance(mb, id);
    this.publish({ mailbox: mb, calendarId: ev.calendarId, resourceId: updated.id, changeType: 'updated', changeKey: updated.changeKey, series: false });
    return updated;
  }

  /** DELETE any instance; deleting an occurrence cancels just that date of the series. */
  deleteInstance(mb: Mailbox, id: string, ifMatch: string | undefined): void {
    const inst = this.instance(mb, id);
    checkIfMatch(ifMatch, inst.changeKey);
    const ev = inst.event;
    if (inst.originalStartMs === null) {
      mb.events.delete(ev.id);
      mb.byRegularId.delete(mb.regularIds.get(ev.id) ?? '');
    } else {
      ev.exceptions.delete(inst.originalStartMs);
      ev.deletedOccurrences.add(inst.originalStartMs);
    }
    this.publish({ mailbox: mb, calendarId: ev.calendarId, resourceId: inst.id, changeType: 'deleted', changeKey: inst.changeKey, series: inst.type === 'seriesMaster' });
  }
}

/** If-Match carries the event's `@odata.etag` (W/"changeKey"); `*` matches anything. */
export function checkIfMatch(header: string | undefined, changeKey: string): void {
  if (header === undefined || header.trim() === '*') return;
  const tags = header.split(',').map((t) => t.trim().replace(/^W\//, '').replace(/^"|"$/g, ''));
  if (!tags.includes(changeKey)) throw staleChangeKey();
}
