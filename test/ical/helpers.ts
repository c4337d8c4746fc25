import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** A fixture from test/fixtures/ical as text. */
export function fixture(name: string): string {
  return readFileSync(fileURLToPath(new URL(`../fixtures/ical/${name}`, import.meta.url)), 'utf8');
}

/** iCalendar text from lines, CRLF-terminated. */
export function ics(...lines: string[]): string {
  return `${lines.join('\r\n')}\r\n`;
}

/** One VEVENT wrapped in a VCALENDAR. */
export function vevent(...lines: string[]): string {
  return ics('BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//t//EN', 'BEGIN:VEVENT', ...lines, 'END:VEVENT', 'END:VCALENDAR');
}
