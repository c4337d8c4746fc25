// The dashboard's entry point: sign in with an API key, render every section from the REST API, then
// keep it current from the live feed (/ws) — sync progress directly, everything else by re-reading
// the section a message concerns.
import { ApiError, api, signIn, signOut, takeKeyFromUrl } from './api.js';
import { configureConflicts, renderConflicts } from './conflicts.js';
import { renderDeadLetters, setDeadLetterNames } from './dead-letters.js';
import { $, notify } from './dom.js';
import { setupHistory } from './history.js';
import { renderIntegrations } from './integrations.js';
import { connectLive } from './live.js';
import { applySyncStatus, setCalendarNames } from './sync-panel.js';

let live;

async function refreshIntegrations() {
  const { integrations, calendars, health } = await renderIntegrations();
  showTenant(health);
  setCalendarNames(integrations, calendars);
  setDeadLetterNames(calendars);
  configureConflicts({ integrations, calendars, resolved: () => void refreshIntegrations() });
}

/** The tenant's name in the header and the queue depth over the live panel, from GET /health. */
function showTenant(health) {
  if (!health) return;
  if (health.tenant?.name) $('tenant').textContent = health.tenant.name;
  const depth = health.queue?.depth;
  $('queue-depth').textContent = depth ? `${depth} job${depth === 1 ? '' : 's'} queued` : '';
}

async function refreshAll() {
  await refreshIntegrations();
  await Promise.all([renderConflicts(), renderDeadLetters()]);
  document.body.dataset.ready = 'true';
}

/** Several messages in a burst (a sync's completion, its conflicts) cause one re-read, not many. */
function debounced(fn, ms = 300) {
  let timer;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(() => fn().catch((err) => notify(err.message, 'error')), ms);
  };
}
const refreshSoon = debounced(refreshAll);
const refreshIntegrationsSoon = debounced(refreshIntegrations);

function onMessage(msg) {
  switch (msg.type) {
    case 'started':
    case 'in_progress':
      applySyncStatus(msg);
      return;
    case 'completed':
    case 'failed':
      applySyncStatus(msg);
      refreshSoon();
      return;
    case 'conflict.recorded':
    case 'conflict.resolved':
      refreshSoon();
      return;
    case 'health.changed':
      refreshIntegrationsSoon();
      return;
    default:
      return; // a message type this page does not know yet
  }
}

function showLogin(message) {
  $('app').hidden = true;
  $('sign-out').hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = message ?? '';
  $('api-key').focus();
}

/** Signs in with a key (form or link), then opens the dashboard; a refused key shows the form again. */
async function signInWith(key) {
  try {
    await signIn(key);
  } catch (err) {
    if (err instanceof ApiError && (err.status === 401 || err.status === 400)) return showLogin('That API key was not accepted.');
    if (err instanceof ApiError && err.status === 429) return showLogin('Too many attempts; wait a minute and try again.');
    return showLogin(`Could not sign in: ${err.message}`);
  }
  return start();
}

/** Opens the dashboard on the session cookie; without a (valid) session, the sign-in form. */
async function start({ quiet = false } = {}) {
  try {
    await refreshAll();
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return showLogin(quiet ? undefined : 'Your session has ended; sign in again.');
    notify(`Could not load the dashboard: ${err.message}`, 'error');
  }
  $('login').hidden = true;
  $('app').hidden = false;
  $('sign-out').hidden = false;
  live?.close();
  // On every (re)connect re-read everything: messages sent while the feed was down are gone.
  let first = true;
  live = connectLive({ onMessage, onOpen: () => (first ? (first = false) : refreshSoon()) });
}

function init() {
  const linkKey = takeKeyFromUrl();
  setupHistory();
  $('login-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const key = $('api-key').value.trim();
    if (!key) return;
    $('api-key').value = '';
    void signInWith(key);
  });
  $('sign-out').addEventListener('click', () => {
    live?.close();
    signOut().catch(() => undefined).finally(() => showLogin());
  });
  $('refresh').addEventListener('click', () => refreshAll().catch((err) => notify(err.message, 'error')));
  // Relative times ("3 min ago") age; re-read the cards now and then.
  setInterval(() => {
    if (!$('app').hidden) refreshIntegrations().catch(() => undefined);
  }, 30_000);
  if (linkKey) void signInWith(linkKey);
  else void start({ quiet: true });
}

init();
