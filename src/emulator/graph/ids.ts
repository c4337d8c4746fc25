/**
 * Identifier formats. Graph ids are opaque base64 strings ("AAMkAGI…"); occurrence ids must be
 * derivable from (series master, original start) because occurrences are not stored, only
 * expanded, yet clients GET/PATCH/DELETE them by id.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';

const b64url = (buf: Buffer): string => buf.toString('base64url');

/** An event's immutable id (`Prefer: IdType="ImmutableId"`). */
export const newEventId = (): string => `AAkALgEv${b64url(randomBytes(18))}`;
/** An event's regular id, which changes when the event moves to another calendar. */
export const newRegularEventId = (): string => `AAMkEv${b64url(randomBytes(18))}`;
export const newCalendarId = (): string => `AAMkCa${b64url(randomBytes(18))}`;
export const newGuid = (): string => randomUUID();

/** A changeKey looks like Exchange's: base64 of 22 bytes ("nfZyf7VcrEKLNoU37KWlkQAAA0x0+w=="). */
export const newChangeKey = (): string => randomBytes(22).toString('base64');

const OCCURRENCE_PREFIX = 'AAMkOc';

export function occurrenceId(masterId: string, originalStartMs: number): string {
  return `${OCCURRENCE_PREFIX}${b64url(Buffer.from(`${masterId}\n${originalStartMs}`, 'utf8'))}`;
}

export function parseOccurrenceId(id: string): { masterId: string; originalStartMs: number } | undefined {
  if (!id.startsWith(OCCURRENCE_PREFIX)) return undefined;
  const decoded = Buffer.from(id.slice(OCCURRENCE_PREFIX.length), 'base64url').toString('utf8');
  const [masterId, ms] = decoded.split('\n');
  const originalStartMs = Number(ms);
  if (!masterId || !Number.isSafeInteger(originalStartMs)) return undefined;
  return { masterId, originalStartMs };
}

/**
 * Exchange's iCalUId: a fixed Outlook class id, 4 bytes of instance date (zero for the series)
 * and a unique tail. Occurrences carry their date in those 4 bytes, as Outlook does.
 */
const ICAL_CLASS_ID = '040000008200E00074C5B7101A82E008';

export const newICalUId = (): string =>
  `${ICAL_CLASS_ID}00000000${createHash('sha256').update(randomBytes(16)).digest('hex').slice(0, 40).toUpperCase()}`;

export function occurrenceICalUId(masterUid: string, originalStartMs: number): string {
  const d = new Date(originalStartMs);
  const stamp =
    d.getUTCFullYear().toString(16).padStart(4, '0') +
    (d.getUTCMonth() + 1).toString(16).padStart(2, '0') +
    d.getUTCDate().toString(16).padStart(2, '0');
  return `${masterUid.slice(0, 32)}${stamp.toUpperCase()}${masterUid.slice(40)}`;
}

export const newRequestId = (): string => randomUUID();
export const newOpaqueToken = (bytes = 24): string => b64url(randomBytes(bytes));
