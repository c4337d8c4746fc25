// Failed jobs (the dead-letter queue): what failed, why, and Replay / Discard.
import { api } from './api.js';
import { h, notify, replace, $ } from './dom.js';
import { when } from './format.js';

let calendarNames = new Map();
export function setDeadLetterNames(calendars) {
  calendarNames = new Map(calendars.map((c) => [c.id, c.name]));
}

const JOB_TEXT = { 'sync.calendar': 'Sync', 'notify.deliver': 'Supplier notification', 'graph.renew': 'Outlook subscription renewal' };

function describe(job) {
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
    h('p', { class: 'error-text' }, job.lastError ?? 'no error recorded'),
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'small primary', 'data-testid': 'replay', onclick: () => act(api.replayDeadLetter, 'Replayed: the job runs again') }, 'Replay'),
      h('button', { type: 'button', class: 'small ghost', 'data-testid': 'discard', onclick: () => act(api.discardDeadLetter, 'Discarded') }, 'Discard'),
    ),
  );
}

export async function renderDeadLetters() {
  const jobs = await api.deadLetters();
  $('dead-count').textContent = jobs.length ? String(jobs.length) : '';
  $('dead-empty').hidden = jobs.length > 0;
  replace($('dead-list'), jobs.map((j) => item(j, renderDeadLetters)));
}
