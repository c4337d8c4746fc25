// The conflict inbox: a list of open conflicts and, for the selected one, a three-column diff
// (base = as both sides last agreed / WedSync / the calendar) with the changed fields highlighted.
// The fields in conflict get a per-field choice; the buttons resolve the whole conflict one way.
import { api } from './api.js';
import { h, notify, replace, $ } from './dom.js';
import { FIELDS, FIELD_LABELS, KIND_LABELS, differs, eventSummary, fieldText, when } from './format.js';

const TYPE_TEXT = {
  field: 'Both sides changed the same detail',
  edit_delete: 'Changed in WedSync, deleted in the calendar',
  delete_edit: 'Deleted in WedSync, changed in the calendar',
  wedding_critical: 'A wedding-day change: needs your decision',
};

let conflicts = [];
let selectedId;
// The planner's per-field choices, by conflict: a refresh (a sync finishing, a live update) redraws the
// diff and must not put the radios back to their defaults under the planner's hand.
const picks = new Map();
let calendarNames = new Map();
let onResolved = () => undefined;

export function configureConflicts({ calendars, integrations, resolved }) {
  const byId = new Map(integrations.map((i) => [i.id, i.name]));
  calendarNames = new Map(calendars.map((c) => [c.id, `${byId.get(c.integrationId) ?? 'Calendar'} · ${c.name}`]));
  if (resolved) onResolved = resolved;
}

const titleOf = (c) => c.hub?.title ?? c.remote?.title ?? c.base?.title ?? 'Untitled event';

export async function renderConflicts() {
  conflicts = await api.conflicts();
  for (const id of picks.keys()) if (!conflicts.some((c) => c.id === id)) picks.delete(id);
  $('conflict-count').textContent = conflicts.length ? String(conflicts.length) : '';
  $('conflict-empty').hidden = conflicts.length > 0;
  $('conflicts').classList.toggle('has-items', conflicts.length > 0);
  if (!conflicts.some((c) => c.id === selectedId)) selectedId = conflicts[0]?.id;
  replace($('conflict-list'), conflicts.map(listItem));
  renderDetail();
  return conflicts;
}

/** Selects a conflict (from the agenda's "needs your decision" tick). */
export function selectConflict(id) {
  if (!conflicts.some((c) => c.id === id)) return;
  selectedId = id;
  replace($('conflict-list'), conflicts.map(listItem));
  renderDetail();
}

function listItem(c) {
  const kind = (c.hub ?? c.remote ?? c.base)?.wedding?.kind;
  return h('li', {},
    h('button', {
      type: 'button',
      class: `conflict-item${c.id === selectedId ? ' selected' : ''}`,
      'data-testid': 'conflict-item',
      dataset: { conflictId: c.id },
      'aria-current': c.id === selectedId ? 'true' : undefined,
      onclick: () => {
        selectedId = c.id;
        replace($('conflict-list'), conflicts.map(listItem));
        renderDetail();
      },
    },
    h('strong', {}, titleOf(c)),
    h('span', { class: 'muted' }, `${c.fields.map((f) => FIELD_LABELS[f] ?? f).join(', ')} · ${calendarNames.get(c.calendarId) ?? 'calendar'}`),
    kind && kind !== 'other' ? h('span', { class: `kind kind-${kind}` }, KIND_LABELS[kind] ?? kind) : null),
  );
}

/** The fields worth showing: those in conflict plus any other that differs between the three versions. */
function fieldsToShow(c) {
  const changed = FIELDS.filter((f) => differs(c.base, c.hub, f) || differs(c.base, c.remote, f) || differs(c.hub, c.remote, f));
  const shown = [...new Set([...c.fields, ...changed, 'title', 'start', 'location'])];
  return FIELDS.filter((f) => shown.includes(f)).concat(shown.filter((f) => !FIELDS.includes(f)));
}

function cell(event, field, changed, missingText, label) {
  if (!event) return h('td', { class: 'missing', 'data-label': label }, missingText);
  return h('td', { class: changed ? 'changed' : '', 'data-label': label }, fieldText(event, field));
}

function renderDetail() {
  const el = $('conflict-detail');
  const c = conflicts.find((x) => x.id === selectedId);
  if (!c) return replace(el);
  const inConflict = new Set(c.fields);
  const calendarLabel = calendarNames.get(c.calendarId) ?? 'Calendar';
  const choices = picks.get(c.id) ?? {}; // field → 'wedsync' | 'provider'
  picks.set(c.id, choices);
  const rows = fieldsToShow(c).map((field) => {
    const hubChanged = c.base && c.hub ? differs(c.base, c.hub, field) : false;
    const remoteChanged = c.base && c.remote ? differs(c.base, c.remote, field) : false;
    const conflicting = inConflict.has(field);
    let choice = null;
    if (conflicting && c.hub && c.remote) {
      choices[field] ??= 'wedsync';
      const radio = (side, label) =>
        h('label', { class: 'choice' },
          h('input', { type: 'radio', name: `choice-${field}`, value: side, checked: side === choices[field], 'data-testid': `choose-${field}-${side}`, onchange: () => (choices[field] = side) }),
          label);
      choice = h('td', { class: 'choice-cell', 'data-label': 'Keep' },
        h('fieldset', { class: 'choice-group' }, h('legend', { class: 'sr-only' }, `Which ${(FIELD_LABELS[field] ?? field).toLowerCase()} to keep`), radio('wedsync', 'WedSync’s'), radio('provider', 'The calendar’s')));
    } else {
      // Changed on one side only: the merge keeps that change, nothing to choose.
      const kept = hubChanged && !remoteChanged ? 'WedSync’s change kept' : remoteChanged && !hubChanged ? 'calendar’s change kept' : '';
      choice = h('td', { class: `choice-cell muted${kept ? '' : ' blank'}`, 'data-label': 'Keep' }, kept);
    }
    return h('tr', { class: conflicting ? 'conflicting' : '', dataset: { field } },
      h('th', { scope: 'row' }, FIELD_LABELS[field] ?? field, conflicting ? h('span', { class: 'tag' }, 'conflict') : null),
      c.base ? h('td', { class: 'base', 'data-label': 'Before' }, fieldText(c.base, field)) : h('td', { class: 'missing', 'data-label': 'Before' }, 'new'),
      cell(c.hub, field, hubChanged, 'deleted in WedSync', 'WedSync'),
      cell(c.remote, field, remoteChanged, 'deleted in the calendar', calendarLabel),
      choice,
    );
  });

  const busy = (on) => el.querySelectorAll('button').forEach((b) => (b.disabled = on));
  const resolve = async (choice, what) => {
    busy(true);
    try {
      await api.resolveConflict(c.id, choice);
      notify(`Resolved “${titleOf(c)}” — ${what}`);
      await renderConflicts();
      onResolved();
    } catch (err) {
      notify(`Could not resolve: ${err.message}`, 'error');
      busy(false);
    }
  };
  const both = c.hub && c.remote;
  replace(el,
    h('div', { class: 'detail-head' },
      h('div', {}, h('h3', { tabindex: '-1' }, titleOf(c)), h('p', { class: 'muted' }, `${TYPE_TEXT[c.type] ?? c.type} · ${eventSummary(c.hub ?? c.remote)} · found ${when(c.createdAt)}`)),
    ),
    h('div', { class: 'diff-wrap' },
      h('table', { class: 'diff', 'data-testid': 'diff' },
        h('caption', { class: 'sr-only' }, `${titleOf(c)}: the event before, in WedSync and in ${calendarLabel}`),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Detail')), h('th', { scope: 'col' }, 'Before (agreed)'), h('th', { scope: 'col' }, 'WedSync'), h('th', { scope: 'col' }, calendarLabel), h('th', { scope: 'col' }, both ? 'Keep' : h('span', { class: 'sr-only' }, 'Result')))),
        h('tbody', {}, rows),
      ),
    ),
    h('div', { class: 'actions' },
      both ? h('button', { type: 'button', class: 'primary', 'data-testid': 'resolve-fields', onclick: () => resolve({ fields: { ...choices } }, 'your choices applied to both sides') }, 'Apply my choices') : null,
      h('button', { type: 'button', 'data-testid': 'take-wedsync', onclick: () => resolve({ take: 'wedsync' }, 'WedSync kept') }, 'Keep WedSync'),
      h('button', { type: 'button', 'data-testid': 'take-provider', onclick: () => resolve({ take: 'provider' }, 'calendar kept') }, 'Keep calendar'),
      both ? h('button', { type: 'button', 'data-testid': 'take-merge', onclick: () => resolve({ take: 'merge' }, 'merged') }, 'Merge') : null,
    ),
  );
}
