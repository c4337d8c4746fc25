/**
 * How long the model's free-text fields may be — the API's caps (`service/hub-events.ts`), applied
 * also where provider data enters the model (the iCalendar reader, the Graph mapping): a calendar
 * server's 5 MB SUMMARY must not become a 5 MB hub title that every later sync drags along (issue 10,
 * finding 10). A cut value keeps its first `limit` characters (never half a surrogate pair) and is
 * reported as an item problem; the original is not kept — any value past these caps is also past what
 * the model keeps of unknown data.
 */
export const TEXT_LIMITS = { title: 1_000, location: 2_000, description: 100_000 } as const;

export type LimitedField = keyof typeof TEXT_LIMITS;

/** Largest unmodelled text kept verbatim for a round trip (e.g. Outlook's HTML body), characters; a larger one is dropped and reported. */
export const UNMODELLED_TEXT_LIMIT = 256 * 1024;

/** Problem code of a cut field (CalDAV: an iCalendar problem; Graph: an item problem). */
export const FIELD_TRUNCATED = 'FIELD_TRUNCATED';

/** `value` within `limit` characters: the value itself when it fits. */
export function cutText(value: string, limit: number): string {
  if (value.length <= limit) return value;
  const head = value.slice(0, limit);
  const last = head.charCodeAt(head.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? head.slice(0, -1) : head;
}

/**
 * Cuts every limited field of `fields` that is too long, in place; returns one message per cut
 * (`source` names the field as the provider calls it, e.g. SUMMARY or subject).
 */
export function capTextFields(fields: Partial<Record<LimitedField, string>>, source: Record<LimitedField, string>): string[] {
  const cuts: string[] = [];
  for (const field of Object.keys(TEXT_LIMITS) as LimitedField[]) {
    const value = fields[field];
    const limit = TEXT_LIMITS[field];
    if (value === undefined || value.length <= limit) continue;
    fields[field] = cutText(value, limit);
    cuts.push(`${source[field]} of ${value.length} characters cut to ${limit} (the model's limit for ${field})`);
  }
  return cuts;
}
