// Event history: find a WedSync event, see its audit trail (who changed what, before → after) and
// restore an earlier version.
import { api } from './api.js';
import { h, notify, replace, $ } from './dom.js';
import { FIELDS, FIELD_LABELS, differs, eventSummary, fieldText, when } from './format.js';

const ACTION_TEXT = { create: 'Created', update: 'Changed', delete: 'Deleted', restore: 'Restored' };

function sourceText(source) {
  if (source.startsWith('calendar:')) return 'from a calendar';
  return { wedsync: 'in WedSync', api: 'through the API', cli: 'from the command line', restore: 'by a restore', conflict: 'by resolving a conflict' }[source] ?? source;
}

function changes(entry) {
  if (!entry.before || !entry.after) return [];
  return FIELDS.filter((f) => differs(entry.before, entry.after, f)).map((f) =>
    h('li', {}, h('span', { class: 'field' }, FIELD_LABELS[f]), h('del', {}, fieldText(entry.before, f)), ' → ', h('ins', {}, fieldText(entry.after, f))),
  );
}

async function showHistory(event) {
  const entries = await api.history(event.id);
  const el = $('audit');
  const restore = async (entry) => {
    try {
      await api.restore(event.id, entry.id);
      notify(`Restored “${event.event?.title ?? 'event'}” to its version of ${when(entry.at)}`);
      await showHistory((await api.event(event.id).catch(() => undefined)) ?? event);
    } catch (err) {
      notify(`Could not restore: ${err.message}`, 'error');
    }
  };
  replace(el,
    h('h3', {}, event.event?.title ?? event.id),
    h('ol', { class: 'timeline' },
      [...entries].reverse().map((entry, i) =>
        h('li', { class: `entry action-${entry.action}`, 'data-testid': 'audit-entry' },
          h('div', { class: 'entry-head' },
            h('strong', {}, ACTION_TEXT[entry.action] ?? entry.action), ' ', h('span', { class: 'muted' }, `${sourceText(entry.source)} · ${when(entry.at)}`),
            i > 0 && entry.after ? h('button', { type: 'button', class: 'small ghost', onclick: () => restore(entry) }, 'Restore this version') : null),
          h('ul', { class: 'changes' }, changes(entry)),
        )),
    ),
  );
}

export function setupHistory() {
  $('history-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const query = $('history-query').value.trim().toLowerCase();
    try {
      const events = await api.events();
      const found = events.filter((ev) => !query || [ev.event?.title, ev.event?.location, JSON.stringify(ev.event?.start)].some((s) => s?.toLowerCase().includes(query)));
      replace($('event-results'),
        found.length === 0 ? h('li', { class: 'muted' }, 'No event matches.') : null,
        found.slice(0, 50).map((ev) =>
          h('li', {}, h('button', { type: 'button', class: 'event-result', onclick: () => showHistory(ev) },
            h('strong', {}, ev.event?.title ?? ev.id), h('span', { class: 'muted' }, eventSummary(ev.event)), ev.deletedAt ? h('span', { class: 'tag' }, 'deleted') : null))),
      );
    } catch (err) {
      notify(`Search failed: ${err.message}`, 'error');
    }
  });
}
