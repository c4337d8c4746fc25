// "Your next weeks": the agenda of upcoming events grouped by day (in this browser's time zone and
// language), wedding-critical ones marked, and for each event its state in every connected calendar.
import { api } from './api.js';
import { h, replace, $ } from './dom.js';
import { KIND_LABELS, dayHeading, timeOfDay } from './format.js';

const STATE = {
  synced: { mark: '✓', text: 'in the calendar' },
  waiting: { mark: '◷', text: 'on its way' },
  conflict: { mark: '!', text: 'needs your decision' },
  failed: { mark: '✕', text: 'could not be sent' },
  not_sent: { mark: '–', text: 'not sent (this calendar only sends events to WedSync)' },
};

let calendarNames = new Map();
export function setAgendaNames(integrations, calendars) {
  const byId = new Map(integrations.map((i) => [i.id, i.name]));
  calendarNames = new Map(calendars.map((c) => [c.id, `${byId.get(c.integrationId) ?? 'Calendar'} · ${c.name}`]));
}

function tick(c, onConflict) {
  const s = STATE[c.state] ?? { mark: '?', text: c.state };
  const name = calendarNames.get(c.calendarId) ?? 'a calendar';
  const label = `${name}: ${s.text}`;
  const body = [h('span', { class: 'tick-mark', 'aria-hidden': 'true' }, s.mark), h('span', { class: 'tick-name' }, name)];
  if (c.state === 'conflict' && c.conflictId) {
    return h('li', {}, h('button', { type: 'button', class: `tick tick-${c.state}`, 'data-testid': 'sync-tick', dataset: { state: c.state, calendarId: c.calendarId }, 'aria-label': `${label} — open it`, onclick: () => onConflict(c.conflictId) }, body));
  }
  return h('li', {}, h('span', { class: `tick tick-${c.state}`, 'data-testid': 'sync-tick', dataset: { state: c.state, calendarId: c.calendarId }, title: label, role: 'img', 'aria-label': label }, body));
}

function eventItem(e, onConflict) {
  const kind = KIND_LABELS[e.kind];
  return h('li', { class: `agenda-event${e.weddingCritical ? ' critical' : ''}`, 'data-testid': 'agenda-event', dataset: { eventId: e.id } },
    h('span', { class: 'agenda-time' }, e.start?.kind === 'date' ? 'All day' : timeOfDay(e.startsAt)),
    h('div', { class: 'agenda-body' },
      h('strong', {}, e.title || 'Untitled event'),
      e.weddingCritical ? h('span', { class: 'critical-tag' }, 'Wedding day') : kind && e.kind !== 'other' ? h('span', { class: 'kind' }, kind) : null,
      e.location ? h('span', { class: 'muted agenda-place' }, e.location) : null,
      h('ul', { class: 'ticks', 'aria-label': 'In your calendars' }, e.calendars.map((c) => tick(c, onConflict))),
    ),
  );
}

export async function renderAgenda({ onConflict }) {
  const { events } = await api.agenda();
  $('agenda-empty').hidden = events.length > 0;
  const days = new Map();
  for (const e of events) {
    const day = dayHeading(e.startsAt);
    if (!days.has(day)) days.set(day, []);
    days.get(day).push(e);
  }
  replace($('agenda-days'), [...days].map(([day, list]) =>
    h('section', { class: 'agenda-day', 'aria-label': day },
      h('h2', { class: 'agenda-date' }, day),
      h('ul', { class: 'agenda-events' }, list.map((e) => eventItem(e, onConflict))))));
  return events;
}
