/**
 * Event kinds and priorities (product.md, "Wedding workflow"): high for wedding-critical kinds,
 * medium for client/venue/vendor meetings, low otherwise. A kind set by WedSync is kept; otherwise it is
 * inferred from the title and categories with keyword rules that a tenant may replace.
 */
import type { CalendarEvent, EventKind, Priority, WeddingFields } from './event.js';

export const EVENT_KINDS: readonly EventKind[] = [
  'ceremony',
  'reception',
  'wedding_day_timeline',
  'rehearsal',
  'client_meeting',
  'venue_visit',
  'vendor_meeting',
  'tasting',
  'deadline',
  'other',
];

const PRIORITY_BY_KIND: Record<EventKind, Priority> = {
  ceremony: 'high',
  reception: 'high',
  wedding_day_timeline: 'high',
  client_meeting: 'medium',
  venue_visit: 'medium',
  vendor_meeting: 'medium',
  rehearsal: 'low',
  tasting: 'low',
  deadline: 'low',
  other: 'low',
};

export function priorityOfKind(kind: EventKind): Priority {
  return PRIORITY_BY_KIND[kind];
}

export function priorityOf(event: Pick<CalendarEvent, 'wedding'>): Priority {
  return priorityOfKind(event.wedding.kind);
}

/** High-priority (wedding-critical) events get the wedding-critical guard. */
export function isWeddingCritical(event: Pick<CalendarEvent, 'wedding'>): boolean {
  return priorityOf(event) === 'high';
}

/** A keyword rule: the first rule with a keyword found in the title or a category wins. */
export interface KindRule {
  kind: EventKind;
  /** Case-insensitive whole-word keywords (a phrase may contain spaces). */
  keywords: string[];
}

/** Default rules; order matters (the more specific first). */
export const DEFAULT_KIND_RULES: readonly KindRule[] = [
  { kind: 'rehearsal', keywords: ['rehearsal'] },
  { kind: 'ceremony', keywords: ['ceremony', 'vows', 'nuptials', 'wedding ceremony'] },
  { kind: 'reception', keywords: ['reception', 'wedding breakfast', 'wedding party', 'first dance'] },
  { kind: 'wedding_day_timeline', keywords: ['wedding day', 'timeline', 'getting ready', 'hair and makeup', 'first look', 'photos', 'speeches', 'cake cutting'] },
  { kind: 'tasting', keywords: ['tasting', 'menu tasting', 'cake tasting'] },
  { kind: 'venue_visit', keywords: ['venue visit', 'site visit', 'venue tour', 'walkthrough', 'walk-through', 'viewing'] },
  { kind: 'vendor_meeting', keywords: ['vendor', 'supplier', 'florist', 'caterer', 'dj', 'band', 'photographer'] },
  { kind: 'client_meeting', keywords: ['consultation', 'client', 'couple', 'planning meeting', 'call with'] },
  { kind: 'deadline', keywords: ['deadline', 'due', 'final numbers', 'rsvp by', 'payment'] },
];

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Compiles rules once; returns a function from (title, categories) to a kind. */
export function kindInferrer(rules: readonly KindRule[] = DEFAULT_KIND_RULES): (title: string, categories: readonly string[]) => EventKind {
  const compiled = rules.map((r) => ({
    kind: r.kind,
    re: new RegExp(`(^|[^\\p{L}\\p{N}])(${r.keywords.map(escapeRegExp).join('|')})($|[^\\p{L}\\p{N}])`, 'iu'),
  }));
  return (title, categories) => {
    const haystacks = [title, ...categories];
    for (const rule of compiled) {
      if (haystacks.some((h) => rule.re.test(h))) return rule.kind;
    }
    return 'other';
  };
}

const inferDefault = kindInferrer();

/**
 * The wedding fields for an event arriving from a calendar: a kind WedSync set is kept, an inferred one
 * is recomputed (the title may have changed).
 */
export function classify(
  event: Pick<CalendarEvent, 'title' | 'categories'> & { wedding?: WeddingFields },
  infer: (title: string, categories: readonly string[]) => EventKind = inferDefault,
): WeddingFields {
  if (event.wedding && event.wedding.kindSource === 'wedsync') return event.wedding;
  return { ...event.wedding, kind: infer(event.title, event.categories), kindSource: 'inferred' };
}
