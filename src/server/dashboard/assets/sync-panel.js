// The live sync panel: one row per calendar that is syncing or synced recently, driven only by the
// WebSocket's started / in_progress / completed / failed messages.
import { h, $ } from './dom.js';
import { duration } from './format.js';

const PHASES = { observe: 'Looking for changes', plan: 'Comparing both sides', execute: 'Applying changes', done: 'Finishing' };
const rows = new Map(); // calendarId → {li, bar, text, op}
let names = new Map(); // calendarId → "Integration · Calendar"

export function setCalendarNames(integrations, calendars) {
  const byId = new Map(integrations.map((i) => [i.id, i.name]));
  names = new Map(calendars.map((c) => [c.id, `${byId.get(c.integrationId) ?? ''} · ${c.name}`]));
}

function rowFor(calendarId) {
  let row = rows.get(calendarId);
  if (row) return row;
  const bar = h('div', { class: 'bar-fill' });
  const name = names.get(calendarId) ?? 'A calendar';
  const progress = h('div', { class: 'bar', role: 'progressbar', 'aria-label': `Sync of ${name}`, 'aria-valuemin': '0', 'aria-valuemax': '100', 'data-testid': 'progress' }, bar);
  const state = h('span', { class: 'sync-state', 'data-testid': 'sync-state' });
  const text = h('span', { class: 'sync-text' });
  const op = h('p', { class: 'sync-op', 'data-testid': 'sync-operation' });
  const li = h('li', { class: 'sync', 'data-testid': 'sync-row', dataset: { calendarId } },
    h('div', { class: 'sync-head' }, h('strong', {}, name), state),
    progress, h('div', { class: 'sync-foot' }, text), op);
  row = { li, bar, progress, state, text, op };
  rows.set(calendarId, row);
  $('sync-list').prepend(li);
  $('sync-empty').hidden = true;
  return row;
}

function setProgress(row, fraction) {
  const pct = Math.max(0, Math.min(100, Math.round(fraction * 100)));
  row.bar.style.width = `${pct}%`;
  row.progress.setAttribute('aria-valuenow', String(pct));
}

function summaryText(s) {
  const parts = [];
  const side = (label, c) => {
    const n = c.created + c.updated + c.deleted;
    if (n) parts.push(`${label}: ${[c.created && `${c.created} new`, c.updated && `${c.updated} changed`, c.deleted && `${c.deleted} removed`].filter(Boolean).join(', ')}`);
  };
  side('WedSync', s.hub);
  side('Calendar', s.remote);
  if (s.conflicts.recorded) parts.push(`${s.conflicts.recorded} conflict${s.conflicts.recorded === 1 ? '' : 's'} to review`);
  if (s.errors) parts.push(`${s.errors} item${s.errors === 1 ? '' : 's'} failed`);
  return parts.length ? parts.join(' · ') : 'Already up to date';
}

/** Applies one status message; returns true when the sync finished (the caller refreshes the rest). */
export function applySyncStatus(msg) {
  const row = rowFor(msg.calendarId);
  row.li.dataset.state = msg.type;
  switch (msg.type) {
    case 'started':
      row.state.textContent = 'Starting';
      row.text.textContent = '';
      row.op.textContent = '';
      setProgress(row, 0.03);
      row.li.classList.add('running');
      return false;
    case 'in_progress': {
      const c = msg.counts ?? { processed: msg.done ?? 0, total: msg.total ?? 0 };
      row.state.textContent = PHASES[msg.phase] ?? msg.phase;
      // Observe and plan are quick and uncounted: show them as the first slice of the bar.
      const base = { observe: 0.05, plan: 0.15, execute: 0.2, done: 1 }[msg.phase] ?? 0.1;
      setProgress(row, msg.phase === 'execute' && c.total ? 0.2 + (0.8 * c.processed) / c.total : base);
      row.text.textContent = c.total ? `${c.processed} of ${c.total}` : '';
      if (msg.operation) row.op.textContent = msg.operation;
      return false;
    }
    case 'completed':
      row.li.classList.remove('running');
      row.state.textContent = 'Done';
      setProgress(row, 1);
      row.text.textContent = `${summaryText(msg.summary ?? msg.report)} · ${duration(msg.summary?.durationMs ?? msg.report?.durationMs)}`;
      row.op.textContent = '';
      return true;
    case 'failed':
      row.li.classList.remove('running');
      row.state.textContent = 'Failed';
      setProgress(row, 1);
      row.text.textContent = msg.error;
      row.op.textContent = msg.code ?? '';
      return true;
    default:
      return false;
  }
}
