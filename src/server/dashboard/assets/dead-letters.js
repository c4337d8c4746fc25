// "Could not sync" (the dead-letter queue): what could not be done — the calendar of a sync, the
// supplier and the event of a notification — why, and Try again / Discard.
import { api } from './api.js';
import { h, notify, replace, $ } from './dom.js';
import { when } from './format.js';

let calendarNames = new Map();
let supplierNames = new Map();
export function setDeadLetterNames(calendars) {
  calendarNames = new Map(calendars.map((c) => [c.id, c.name]));
}

/** Supplier names for notification jobs: the endpoint's description, else its web address's host. */
async function loadSuppliers() {
  const endpoints = await api.notificationEndpoints().catch(() => []);
  supplierNames = new Map(endpoints.map((e) => [e.id, e.description || hostOf(e.url)]));
}
const hostOf = (url) => {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
};

/** The event title inside a notification body (`before`/`after` snapshots), wherever it sits. */
function titleIn(body) {
  let value;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  const stack = [value];
  while (stack.length) {
    const v = stack.shift();
    if (v && typeof v === 'object') {
      if (typeof v.title === 'string') return v.title;
      stack.push(...Object.values(v));
    }
  }
  return undefined;
}

const JOB_TEXT = { 'sync.calendar': 'Sync', 'notify.deliver': 'Supplier notification', 'graph.renew': 'Outlook subscription renewal' };

function describe(job) {
  if (job.type === 'notify.deliver') {
    const supplier = supplierNames.get(job.payload?.endpointId) ?? 'a supplier';
    const title = typeof job.payload?.body === 'string' ? titleIn(job.payload.body) : undefined;
    return `Telling ${supplier} about ${title ? `“${title}”` : 'a schedule change'}`;
  }
  const what = JOB_TEXT[job.type] ?? job.type;
  const calendar = job.payload?.calendarId ? calendarNames.get(job.payload.calendarId) ?? 'a calendar' : undefined;
  return calendar ? `${what} of ${calendar}` : what;
}

function item(job, refresh) {
  const act = async (fn, done) => {
    try {
      await fn(job.id);
      notify(done);
    } catch (err) {
      notify(err.message, 'error');
    }
    await refresh();
  };
  return h('li', { class: 'dead', 'data-testid': 'dead-letter', dataset: { jobId: job.id } },
    h('div', { class: 'dead-head' }, h('strong', {}, describe(job)), h('span', { class: 'muted' }, `${job.attemptsMade} attempt${job.attemptsMade === 1 ? '' : 's'} · ${when(job.history?.at(-1)?.at ?? job.createdAt)}`)),
    h('details', { class: 'technical' }, h('summary', {}, 'Why'), h('p', { class: 'error-text' }, job.lastError ?? 'no error recorded')),
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'small primary', 'data-testid': 'replay', onclick: () => act(api.replayDeadLetter, 'Trying again now') }, 'Try again'),
      h('button', { type: 'button', class: 'small ghost', 'data-testid': 'discard', onclick: () => act(api.discardDeadLetter, 'Discarded') }, 'Discard'),
    ),
  );
}

export async function renderDeadLetters() {
  const jobs = await api.deadLetters();
  if (jobs.some((j) => j.type === 'notify.deliver')) await loadSuppliers();
  $('dead-count').textContent = jobs.length ? String(jobs.length) : '';
  $('dead-empty').hidden = jobs.length > 0;
  replace($('dead-list'), jobs.map((j) => item(j, renderDeadLetters)));
  return jobs;
}
