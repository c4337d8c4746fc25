/**
 * Content lines: input clean-up before parsing (size limit, BOM, line endings), octet-exact folding
 * for output, and finding the line a parse error belongs to (ical.js reports none).
 */
import { CalsyncError, IcalParseError } from '../errors.js';
import { parsePropertyLine } from './jcal.js';

export const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;

/** Rejects input over `maxBytes` (UTF-8) and normalizes what ical.js does not: BOM, CR-only breaks. */
export function prepareInput(text: string, maxBytes = DEFAULT_MAX_BYTES): string {
  // Cheap bounds first: every UTF-16 unit is 1–3 UTF-8 bytes, so only the middle range needs counting.
  if (text.length > maxBytes || (text.length * 3 > maxBytes && Buffer.byteLength(text, 'utf8') > maxBytes)) {
    throw new CalsyncError('ICAL_TOO_LARGE', `iCalendar input exceeds ${maxBytes} bytes`, { details: { maxBytes } });
  }
  let s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (s.includes('\r')) s = s.replace(/\r\n?/g, '\n');
  return s;
}

/**
 * Folds one content line at 75 octets (RFC 5545 §3.1): continuation lines start with a space and also
 * stay within 75 octets including it; a UTF-8 sequence is never split.
 */
export function foldLine(line: string): string {
  // Fast path: pure ASCII, one octet per unit.
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(line)) {
    if (line.length <= 75) return line;
    let out = line.slice(0, 75);
    for (let i = 75; i < line.length; i += 74) out += `\r\n ${line.slice(i, i + 74)}`;
    return out;
  }
  const parts: string[] = [];
  let current = '';
  let octets = 0;
  let limit = 75;
  for (const ch of line) {
    const cp = ch.codePointAt(0)!;
    const size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (octets + size > limit) {
      parts.push(current);
      current = '';
      octets = 0;
      limit = 74;
    }
    current += ch;
    octets += size;
  }
  parts.push(current);
  return parts.join('\r\n ');
}

interface LogicalLine {
  /** 1-based physical line where the logical (unfolded) line starts. */
  line: number;
  text: string;
}

function logicalLines(text: string): LogicalLine[] {
  const out: LogicalLine[] = [];
  const physical = text.split('\n');
  for (let i = 0; i < physical.length; i++) {
    const raw = physical[i]!;
    const last = out[out.length - 1];
    if ((raw.startsWith(' ') || raw.startsWith('\t')) && last) last.text += raw.slice(1);
    else if (raw.trim() !== '') out.push({ line: i + 1, text: raw });
  }
  return out;
}

/**
 * The IcalParseError for text ical.js refused: the first content line that fails on its own, or the
 * component left open, else the parser's message without a line.
 */
export function locateParseError(text: string, cause: unknown): IcalParseError {
  const message = cause instanceof Error ? cause.message : String(cause);
  const lines = logicalLines(text);
  const stack: LogicalLine[] = [];
  for (const l of lines) {
    const begin = /^BEGIN:(.*)$/i.exec(l.text);
    const end = /^END:(.*)$/i.exec(l.text);
    if (begin) {
      stack.push(l);
      continue;
    }
    if (end) {
      const open = stack.pop();
      if (!open) return new IcalParseError(`END:${end[1]} without BEGIN`, l.line, { cause });
      continue;
    }
    try {
      parsePropertyLine(l.text);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      return new IcalParseError(reason, l.line, { cause });
    }
  }
  const open = stack[stack.length - 1];
  if (open) return new IcalParseError(`${open.text} is never closed`, open.line, { cause });
  const first = lines[0];
  return new IcalParseError(message, first && /component|body/i.test(message) ? first.line : undefined, { cause });
}
