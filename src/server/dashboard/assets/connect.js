// "Connect a calendar": iCloud (Apple ID + app-specific password) or any CalDAV server, and
// "Sign in again" for a calendar whose password stopped working (the same form, filled in, connecting
// under the same name re-authorizes it). Warns before connecting an account that is connected already.
import { api } from './api.js';
import { $, notify } from './dom.js';

let integrations = [];
let onConnected = () => undefined;

export function setConnectState(list, connected) {
  integrations = list;
  if (connected) onConnected = connected;
}

const kind = () => document.querySelector('#connect input[name="kind"]:checked')?.value ?? 'icloud';

function showKind() {
  const icloud = kind() === 'icloud';
  $('connect-url-field').hidden = icloud;
  $('connect-url').required = !icloud;
  $('connect-username-label').textContent = icloud ? 'Apple ID' : 'User name';
  $('connect-password-label').textContent = icloud ? 'App-specific password' : 'Password';
  $('connect-password-help').hidden = !icloud;
  checkDuplicate();
}

/** The integration already connected to the same account (same server and user name), if any. */
function sameAccount() {
  const username = $('connect-username').value.trim().toLowerCase();
  if (!username) return undefined;
  const url = kind() === 'icloud' ? undefined : $('connect-url').value.trim().replace(/\/+$/, '');
  return integrations.find((i) => {
    if (String(i.config?.username ?? '').toLowerCase() !== username) return false;
    if (kind() === 'icloud') return i.provider === 'icloud';
    return i.provider === 'caldav' && String(i.config?.url ?? '').replace(/\/+$/, '') === url;
  });
}

function checkDuplicate() {
  const same = sameAccount();
  const reconnecting = same && $('connect-name').value.trim() === same.name;
  $('connect-duplicate').hidden = !same || reconnecting;
  if (same && !reconnecting) $('connect-duplicate').textContent = `This account is connected already as “${same.name}”. Connecting it twice would show every event twice.`;
}

export function openConnect(prefill) {
  const form = $('connect');
  form.hidden = false;
  $('connect-open').setAttribute('aria-expanded', 'true');
  $('connect-error').textContent = '';
  if (prefill) {
    const radio = document.querySelector(`#connect input[name="kind"][value="${prefill.provider === 'icloud' ? 'icloud' : 'caldav'}"]`);
    if (radio) radio.checked = true;
    $('connect-url').value = prefill.config?.url ?? '';
    $('connect-username').value = prefill.config?.username ?? '';
    $('connect-name').value = prefill.name;
    $('connect-title').textContent = `Sign in again to “${prefill.name}”`;
    $('connect-submit').textContent = 'Sign in again';
  } else {
    form.reset();
    $('connect-title').textContent = 'Connect a calendar';
    $('connect-submit').textContent = 'Connect';
  }
  showKind();
  (prefill ? $('connect-password') : form.querySelector('input[name="kind"]:checked')).focus();
}

function closeConnect() {
  $('connect').hidden = true;
  $('connect-open').setAttribute('aria-expanded', 'false');
  $('connect-password').value = '';
  $('connect-open').focus();
}

export function setupConnect() {
  $('connect-open').addEventListener('click', () => ($('connect').hidden ? openConnect() : closeConnect()));
  $('connect-cancel').addEventListener('click', closeConnect);
  for (const radio of document.querySelectorAll('#connect input[name="kind"]')) radio.addEventListener('change', showKind);
  for (const id of ['connect-username', 'connect-url', 'connect-name']) $(id).addEventListener('input', checkDuplicate);
  $('connect').addEventListener('submit', async (e) => {
    e.preventDefault();
    const submit = $('connect-submit');
    submit.disabled = true;
    $('connect-error').textContent = '';
    const body = { username: $('connect-username').value.trim(), password: $('connect-password').value };
    const name = $('connect-name').value.trim();
    if (name) body.name = name;
    if (kind() !== 'icloud') body.url = $('connect-url').value.trim();
    try {
      const { integration, calendars } = await api.connect(kind(), body);
      closeConnect();
      notify(`Connected “${integration.name}”: ${calendars.length} calendar${calendars.length === 1 ? '' : 's'} found. Choose below which ones to sync and how.`);
      onConnected(integration);
    } catch (err) {
      $('connect-error').textContent = plainConnectError(err);
    } finally {
      submit.disabled = false;
    }
  });
}

/** The API's error in words a planner can act on. */
function plainConnectError(err) {
  if (err.code === 'PROVIDER_AUTH') return 'The calendar did not accept this user name and password. For iCloud, use an app-specific password.';
  if (err.code === 'URL_NOT_ALLOWED' || /private|loopback/i.test(err.message)) return `calsync is not allowed to reach this address: ${err.message}`;
  if (err.code === 'PROVIDER_UNAVAILABLE' || err.code === 'NETWORK') return 'The calendar server could not be reached. Check the address and try again.';
  return err.message;
}
