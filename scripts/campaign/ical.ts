/**
 * The third-party CalDAV client's iCalendar handling, with ical.js directly (not calsync's codec): read
 * the fields the campaign checks, write a new event, change one property and keep everything else.
 */
import ICAL from 'ical.js';
import type { EventView } from './event-view.js';

type Component = InstanceType<typeof ICAL.Component>;

function vevent(ics: string): { root: Component; event: Component } {
  const root = new ICAL.Component(ICAL.parse(ics) as unknown[]);
  for (const tz of root.getAllSubcomponents('vtimezone')) {
    const zone = new ICAL.Timezone(tz);
    if (!ICAL.TimezoneService.has(zone.tzid)) ICAL.TimezoneService.register(zone);
  }
  // The master (no RECURRENCE-ID) when there is one.
  const events = root.getAllSubcomponents('vevent');
  const event = events.find((e) => !e.hasProperty('recurrence-id')) ?? events[0];
  if (!event) throw new Error('no VEVENT');
  return { root, event };
}

function instantMs(event: Component, name: 'dtstart' | 'dtend'): number {
  const value = event.getFirstPropertyValue(name);
  if (!(value instanceof ICAL.Time)) return Number.NaN;
  return value.toUnixTime() * 1000;
}

const text = (event: Component, name: string): string => {
  const v = event.getFirstPropertyValue(name);
  return typeof v === 'string' ? v : '';
};

/** The checked fields of a resource; throws on text that is not one event. */
export function readIcs(ics: string): Pick<EventView, 'title' | 'location' | 'description' | 'startMs' | 'endMs'> {
  const { event } = vevent(ics);
  return { title: text(event, 'summary'), location: text(event, 'location'), description: text(event, 'description'), startMs: instantMs(event, 'dtstart'), endMs: instantMs(event, 'dtend') };
}

/** The same resource with one property set (added when absent); everything else as it was. */
export function setIcsProperty(ics: string, name: 'location' | 'summary' | 'description', value: string): string {
  const { root, event } = vevent(ics);
  event.updatePropertyWithValue(name, value);
  // Another client's save bumps SEQUENCE only for rescheduling; a location change is not one. DTSTAMP moves.
  event.updatePropertyWithValue('dtstamp', ICAL.Time.now());
  return root.toString();
}

const utc = (ms: number): string => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

export function newIcs(input: { uid: string; title: string; location: string; description: string; startMs: number; endMs: number }): string {
  const esc = (s: string): string => s.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\n/g, '\\n');
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//calsync campaign third-party client//EN',
    'BEGIN:VEVENT',
    `UID:${input.uid}`,
    `DTSTAMP:${utc(Date.now())}`,
    `DTSTART:${utc(input.startMs)}`,
    `DTEND:${utc(input.endMs)}`,
    `SUMMARY:${esc(input.title)}`,
    `LOCATION:${esc(input.location)}`,
    `DESCRIPTION:${esc(input.description)}`,
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}
