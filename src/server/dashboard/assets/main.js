// The dashboard's entry point: sign in (email and password, or a one-time link), render every section
// from the REST API — the agenda first — then keep it current from the live feed (/ws): sync progress
// directly, everything else by re-reading the section a message concerns.
import { ApiError, api, signIn, signOut, takeKeyFromUrl, takeSignInTokenFromUrl, whoAmI } from './api.js';
import { renderAgenda, setAgendaNames } from './agenda.js';
import { renderAttention } from './attention.js';
import { configureConflicts, renderConflicts, selectConflict } from './conflicts.js';
import { openConnect, setConnectState, setupConnect } from './connect.js';
import { renderDeadLetters, setDeadLetterNames } from './dead-letters.js';
import { $, notify } from './dom.js';
import { setupHistory } from './history.js';
import { renderIntegrations } from './integrations.js';
import { connectLive } from './live.js';
import { applySyncStatus, setCalendarNames } from './sync-panel.js';

let live;
let state = { integrations: [], conflicts: 0, deadLetters: 0 };

async function refreshIntegrations() {
  const { integrations, calendars, health } = await renderIntegrations({ changed: () => refreshAll() });
  showTenant(health);
  setCalendarNames(integrations, calendars);
  setDeadLetterNames(calendars);
  setAgendaNames(integrations, calendars);
  setConnectState(integrations, () => void refreshAll());
  configureConflicts({ integrations, calendars, resolved: () => void refreshAll() });
  state.integrations = integrations;
}

/** The queue depth over the live panel, from GET /health. */
function showTenant(health) {
  if (!health) return;
  if (health.tenant?.name) $('tenant').textContent = health.tenant.name;
  const depth = health.queue?.depth;
  $('queue-depth').textContent = depth ? `${depth} update${depth === 1 ? '' : 's'} waiting` : '';
}

/** Opens a conflict from an agenda tick: the inbox selects it and scrolls into view. */
function openConflict(conflictId) {
  selectConflict(conflictId);
  $('conflicts').scrollIntoView({ block: 'start' });
  $('conflict-detail').querySelector('h3')?.focus();
}

async function refreshAll() {
  await refreshIntegrations();
  const [conflicts, deadLetters] = await Promise.all([renderConflicts(), renderDeadLetters(), renderAgenda({ onConflict: openConflict })]);
  state = { ...state, conflicts: conflicts?.length ?? 0, deadLetters: deadLetters?.length ?? 0 };
  renderAttention({ ...state, onReconnect: (integration) => openConnect(integration) });
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
  $('email').focus();
}

const REFUSED = {
  password: 'That email and password do not match.',
  token: 'This sign-in link was used already or has expired. Ask for a new one (calsync signin-link).',
  key: 'That API key was not accepted.',
};

/** Signs in (form, one-time link or the demo's key link), then opens the dashboard; a refusal shows the form again. */
async function signInWith(credentials, how) {
  try {
    await signIn(credentials);
  } catch (err) {
    if (err instanceof ApiError && (err.status === 401 || err.status === 400)) return showLogin(REFUSED[how]);
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
  whoAmI()
    .then((me) => ($('tenant').textContent = me.user ? `${me.user.name ?? me.user.email} · ${me.tenant.name}` : me.tenant.name))
    .catch(() => undefined);
  live?.close();
  // On every (re)connect re-read everything: messages sent while the feed was down are gone.
  let first = true;
  live = connectLive({ onMessage, onOpen: () => (first ? (first = false) : refreshSoon()) });
}

function init() {
  const linkKey = takeKeyFromUrl();
  const linkToken = takeSignInTokenFromUrl();
  setupHistory();
  setupConnect();
  $('login-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const email = $('email').value.trim();
    const password = $('password').value;
    if (!email || !password) return;
    $('password').value = '';
    void signInWith({ email, password }, 'password');
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
  if (linkToken) void signInWith({ token: linkToken }, 'token');
  else if (linkKey) void signInWith({ key: linkKey }, 'key');
  else void start({ quiet: true });
}

init();
