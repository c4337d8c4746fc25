/**
 * Strings that share no memory with the text they were cut from. V8 keeps a substring of 13 or more
 * characters as a view into its parent string, so a title kept from a parsed resource keeps the whole
 * resource's text alive, and an etag kept from a chunk of a response keeps the whole chunk. Where many
 * small values outlive a large text (a 10,000-item listing), copying them frees the text.
 */

/** V8 copies shorter substrings anyway (`SlicedString::kMinLength`). */
const MIN_SLICE = 13;

/** `text` as a string of its own: flattening a fresh concatenation copies the characters. */
export function detach(text: string): string {
  return text.length < MIN_SLICE ? text : (' ' + text).slice(1);
}

/**
 * Detaches, in place, every string held by `value`'s plain objects and arrays (what a parser just built
 * and the caller owns), and returns `value`.
 */
export function detachStrings<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) {
      const item: unknown = value[i];
      if (typeof item === 'string') {
        if (item.length >= MIN_SLICE) value[i] = detach(item);
      } else if (item !== null && typeof item === 'object') detachStrings(item);
    }
    return value;
  }
  const record = value as Record<string, unknown>;
  for (const key in record) {
    const item = record[key];
    if (typeof item === 'string') {
      if (item.length >= MIN_SLICE) record[key] = detach(item);
    } else if (item !== null && typeof item === 'object') detachStrings(item);
  }
  return value;
}
