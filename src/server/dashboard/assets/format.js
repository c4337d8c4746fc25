// Turning API values into words a wedding coordinator reads: dates, durations, event fields.
// One date format everywhere ("Sat 15 Aug 2026, 14:00"), in this browser's time zone and language.

const dateFmt = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' });
const dateTimeFmt = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });
const dayFmt = new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long' });
const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

/** An agenda day heading: "Today", "Tomorrow", else "Saturday 15 August". */
export function dayHeading(iso) {
  const d = new Date(iso);
  const key = (x) => `${x.getFullYear()}-${x.getMonth()}-${x.getDate()}`;
  const today = new Date();
  const tomorrow = new Date(today.getTime() + 86_400_000);
  if (key(d) === key(today)) return `Today, ${dayFmt.format(d)}`;
  if (key(d) === key(tomorrow)) return `Tomorrow, ${dayFmt.format(d)}`;
  return dayFmt.format(d);
}

export function timeOfDay(iso) {
  return timeFmt.format(new Date(iso));
}

/** "3 min ago", "in 2 h"; undefined → "never". */
export function ago(iso) {
  if (!iso) return 'never';
  const ms = Date.now() - new Date(iso).getTime();
  if (Number.isNaN(ms)) return String(iso);
  const future = ms < 0;
  const s = Math.abs(ms) / 1000;
  const text = s < 45 ? 'just now' : s < 90 * 60 ? `${Math.round(s / 60)} min` : s < 36 * 3600 ? `${Math.round(s / 3600)} h` : `${Math.round(s / 86400)} d`;
  if (text === 'just now') return text;
  return future ? `in ${text}` : `${text} ago`;
}

/** A duration in ms or s as "2.3 s", "4 min". */
export function duration(ms) {
  if (ms === undefined || ms === null || Number.isNaN(Number(ms))) return '—';
  const v = Number(ms);
  if (v < 1000) return `${Math.round(v)} ms`;
  if (v < 120_000) return `${(v / 1000).toFixed(1)} s`;
  if (v < 7_200_000) return `${Math.round(v / 60_000)} min`;
  return `${Math.round(v / 3_600_000)} h`;
}

export function when(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : dateTimeFmt.format(d);
}

/** An event time (the model's EventTime: date / floating / zoned / utc) as text. */
export function eventTime(t) {
  if (!t) return '—';
  switch (t.kind) {
    case 'date':
      return `${dateFmt.format(new Date(`${t.date}T12:00:00Z`))} · all day`;
    case 'floating':
      return `${dateTimeFmt.format(new Date(`${t.local.slice(0, 19)}`))} (local time)`;
    case 'zoned':
      return zonedText(t);
    case 'utc':
      return when(t.utc);
    default:
      return JSON.stringify(t);
  }
}

/** A zoned time in this browser's zone when the zone is known ("Sat 15 Aug 2026, 14:00"), else as written. */
function zonedText(t) {
  const zone = t.iana ?? t.tzid;
  try {
    // The wall time in its zone → the instant: format in that zone, correct by the offset seen.
    const guess = new Date(`${t.local.slice(0, 19)}Z`);
    const inZone = new Date(guess.toLocaleString('en-US', { timeZone: zone }));
    const inUtc = new Date(guess.toLocaleString('en-US', { timeZone: 'UTC' }));
    return dateTimeFmt.format(new Date(guess.getTime() - (inZone.getTime() - inUtc.getTime())));
  } catch {
    return `${t.local.replace('T', ' ').slice(0, 16)} ${zone}`;
  }
}

const person = (p) => (p ? (p.name ? `${p.name} <${p.email}>` : p.email) : '—');

/** Human labels for the fields the merge works on (src/sync/fields.ts MERGE_FIELDS). */
export const FIELD_LABELS = {
  title: 'Title',
  start: 'Starts',
  end: 'Ends',
  location: 'Place',
  description: 'Notes',
  status: 'Status',
  organizer: 'Organiser',
  attendees: 'Guests',
  categories: 'Categories',
  transparency: 'Transparency',
  showAs: 'Show as',
  sensitivity: 'Sensitivity',
  recurrence: 'Repeats',
  overrides: 'Changed occurrences',
  extra: 'Other properties',
};
export const FIELDS = Object.keys(FIELD_LABELS);

/** One field of an event as display text; '—' when absent. */
export function fieldText(event, field) {
  if (!event) return '';
  const v = event[field];
  if (v === undefined || v === null || (Array.isArray(v) && v.length === 0)) return '—';
  switch (field) {
    case 'start':
    case 'end':
      return eventTime(v);
    case 'organizer':
      return person(v);
    case 'attendees':
      return v.map(person).join(', ');
    case 'categories':
      return v.join(', ');
    case 'recurrence':
      return [...v.rrules, ...(v.exdates.length ? [`${v.exdates.length} skipped`] : [])].join('; ') || '—';
    case 'overrides':
      return `${v.length} changed occurrence${v.length === 1 ? '' : 's'}`;
    case 'extra':
      return Object.keys(v).length ? 'calendar-specific properties kept' : '—';
    default:
      return typeof v === 'string' ? v : JSON.stringify(v);
  }
}

// Fields a calendar fills in by itself (Outlook sets status, organiser, show-as…): a value appearing
// where there was none is not an edit anyone made, so it is not shown as a change.
const CALENDAR_DEFAULTS = new Set(['status', 'organizer', 'transparency', 'showAs', 'sensitivity', 'extra']);

/**
 * Whether a field reads differently in two versions of an event. Compared as displayed, so two
 * spellings of the same value (a Windows and an IANA zone name for one time) are not a change.
 */
export function differs(a, b, field) {
  const x = fieldText(a, field);
  const y = fieldText(b, field);
  if (x === y) return false;
  return !(CALENDAR_DEFAULTS.has(field) && (x === '—' || y === '—'));
}

/** A one-line summary of an event: "Sat 15 Aug 2026 · The Old Barn". */
export function eventSummary(e) {
  if (!e) return '';
  return [eventTime(e.start), e.location].filter(Boolean).join(' · ');
}

export const KIND_LABELS = {
  ceremony: 'Ceremony',
  reception: 'Reception',
  wedding_day_timeline: 'Wedding day',
  rehearsal: 'Rehearsal',
  client_meeting: 'Client meeting',
  venue_visit: 'Venue visit',
  vendor_meeting: 'Vendor meeting',
  tasting: 'Tasting',
  deadline: 'Deadline',
  other: 'Other',
};
